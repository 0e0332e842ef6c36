"""Trusted grading of the assignment: the grade is decided where student code cannot reach.

Threat model. A student controls every line of the four files they submit (and, before
grading restores it, every cell of their notebook). Whatever runs in the same process as that
code can be read or replaced by it: checks, expected values, stack frames, files on disk.
So nothing here decides a grade inside a student's process, and no code of nbgrader's reads
what a student submitted:

- ``intake``         the one pass that reads a submission (never following a link, never
                     opening a special file, each file size-capped) and writes the tree that
                     is graded: the release, the notebook and four student files, bookkeeping
                     written from parsed values; anything else refuses that student alone.
- ``autograde``      ``nbgrader autograde`` runs the intake first and reads only its trees;
  ``collect``        ``nbgrader collect`` takes exchange entries through it (owner checked).
- ``sandbox``        every student process (the notebook's kernel and the probe below) runs
                     in bubblewrap: no network, no view of the course (no ``source/``, no
                     gradebook, no other submission, no home folder), writes only to a scratch
                     tmpfs, limited CPU time, memory, processes and file sizes, own user id.
- ``trusted``        the grading loop: a sandboxed child process (``probe``) imports the
                     student's four files (and the course's own other files, never a file
                     the submission added), calls the graded methods on inputs it is sent
                     one case at a time, and sends back plain data (numbers and arrays as
                     JSON, validated: type, shape, size; ``protocol``). This process compares
                     them with the reference, which the child never sees. Whatever the child
                     reports is the student's to forge, so no decision rests on a report
                     that code could make up without doing the work: stand-ins' calls are
                     logged here (a ``Desk``), training's loss is computed here from the
                     weights, every part has a hidden case no table answers. The hidden
                     cases' inputs reach the child only when they run, after every visible
                     case, and a failed hidden case's message is
                     ``redaction.hidden_failure_text``, made of the part and the case alone.
  ``tree``           the child's tree: the release, the four student files, and the probe's
                     own package (``probe``, ``protocol``), which the release does not carry.
  ``probe_process``  the child seen from here: its start, pipes, time limits and end.
  ``probe``          the child itself (run from its copy in the tree, never imported here).
  ``protocol``       the wire: plain data as JSON, validated on reading; the desk's calls.
  ``redaction``      what of the student's code's words a verdict may carry.
- ``preprocessors``  nbgrader plugs: every cell of the notebook (and its metadata) is restored
                     from the release, the notebook is not run (unless NotebookRun.execute;
                     then in the sandbox, within a time for the whole notebook), outputs keep
                     inert data only (no HTML or script reaches the formgrader's page) and are
                     capped, and each graded test cell's output is replaced by the trusted
                     verdict, whose points TrustedGrades writes into the gradebook itself.
- ``flags``          (notebook run at grading only) a part the notebook says passed but the
                     trusted grader failed: marked for manual grading, its reason in the test
                     cell, announced in the log; and the intake's refusals. Run as a command
                     (``python -m tools.grader.flags ex04``), it lists them all.
- ``cgroups``        per-sandbox memory and process limits (v2 or v1) where they can be made.
- ``kernel``         the notebook's kernel in the sandbox, over IPC, and its client.
- ``hooks``          what nbgrader runs after a command: strip solutions from the release,
                     keep nothing but the HTML in the feedback.

The commands around nbgrader: ``grade_parallel`` (shards the class over workers; on SQLite
``sqlite_shards`` gives each its own gradebook copy, ``grading_check`` finds a grade lost),
``gradebook`` (where the gradebook is), ``generate_expected`` (the visible cases' expected
values from the oracles). The feedback's math is typeset with the book's MathJax driver
(``tools.vendor.mathjax``).

What it does not protect against is written in book/instructors.md. tests/attacks.py holds
the attacks it is tested against (tests/grader/test_attacks.py, tests/nbgrader/test_attacks.py)
and tests/variants.py the correct styles that must pass.
"""
