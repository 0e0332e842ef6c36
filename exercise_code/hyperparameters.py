"""The training settings used by the notebook, the book and the tests: one place to change them.

On the default breast-cancer splits, these 500 full-batch steps at learning rate 1.0 bring the
training loss within 1 % of the unregularised optimum (tests/test_training.py asserts it; the
book's gradient-descent chapter prints the exact gap).
"""

LEARNING_RATE = 1.0
NUM_EPOCHS = 500
