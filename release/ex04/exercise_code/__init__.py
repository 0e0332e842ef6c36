"""Exercise 4: logistic regression from scratch.

exercise_code.networks   the BCE loss, the sigmoid Classifier, the gradient-descent Optimizer
exercise_code.solver     the training loop
exercise_code.data       the breast-cancer data set and a synthetic 2-D set
exercise_code.gradient_check   centred finite differences and the relative error
"""
