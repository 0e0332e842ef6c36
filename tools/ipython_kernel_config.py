"""IPython kernel configuration for this course's venv (installed by the Makefile into
``.venv/etc/ipython/``, where every kernel started from the venv reads it: the book build's,
nbgrader's and the tests').

ipykernel logs "Kernel is running over TCP without encryption" at every start when its
manager (myst-nb, nbconvert, nbgrader) uses TCP, once per executed page or notebook, which
buries real warnings in the logs of `make` and of the tests. These kernels listen on
127.0.0.1 only and the managers here cannot be configured to encrypt, so that one message is
dropped; every other message of the kernel stays. (nbgrader's grading kernels use IPC, which
does not log it.)
"""

import logging


class _NoPlainTcpNotice(logging.Filter):
    def filter(self, record):
        return not str(record.msg).startswith("Kernel is running over TCP without encryption")


logging.getLogger("IPKernelApp").addFilter(_NoPlainTcpNotice())
