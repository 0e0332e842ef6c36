"""The messages of the grading checks: one per recognised mistake.

Each value is printed verbatim in the notebook and in the feedback HTML, so it holds no
quotes, no ``<``, ``>`` or ``&`` (HTML would escape them) and names what to change.
"""

MISTAKES = {
    # The student's code raised.
    "not_implemented": "not implemented yet: replace the raise NotImplementedError in the .py file",
    "exception": "your code raised an exception",
    "returned_none": "returned None: did you assign the result before the return?",
    "wrong_shape": "has the wrong shape",
    "not_finite": "contains NaN or inf",
    "fp_warning": "numpy warned about an overflow, a division by zero or an invalid value",
    "interrupted": "was stopped because it ran too long: look for a loop that never ends",
    "exited": "tried to end the program (exit or sys.exit): return a value instead",
    "crashed": "your code ended the process that ran it",
    "out_of_time": "was not run: your code used up the time of the whole submission",
    "bad_reply": "could not be graded: the process running your code sent back invalid data",
    # BCE.forward
    "bce_forward_sum": "returns the sum of the losses instead of the mean",
    "bce_forward_sign": "has the wrong sign: the loss is -log(p) and never negative",
    "bce_forward_log_base": "uses the wrong logarithm: use the natural log np.log",
    "bce_forward_logits": "treats y_out as logits: y_out is already a probability",
    "bce_forward_swapped": "swapped y and 1 - y: the label 1 goes with log(y_hat)",
    "bce_forward_individual": "individual_losses=True must return one loss per sample",
    "bce_forward_edge": "is not finite at predictions exactly 0 or 1: floor the probability",
    "bce_forward_log_of_labels": "takes the log of the labels: swapped y and y_out inside the logs",
    # BCE.backward
    "bce_backward_missing_n": "N times too large: did you divide by N?",
    "bce_backward_double_n": "N times too small: divide by N once, not twice",
    "bce_backward_sign": "has the wrong sign: the gradient of -log(p) points away from p",
    "bce_backward_swapped": "swapped y and 1 - y in the gradient",
    "bce_backward_logits": "is the gradient with respect to the logits, not to y_out",
    # Classifier.sigmoid
    "sigmoid_sign": "computes sigmoid(-x): use exp(-x), not exp(x)",
    "sigmoid_overflow": "is not numerically stable: exp overflows for large negative x",
    "sigmoid_range": "returns values outside [0, 1]",
    # Classifier.forward
    "forward_logits": "returns the logits: apply the sigmoid to get probabilities",
    "forward_no_bias": "forgot the bias: add W[-1], the last row of W",
    "forward_bias_first": "used the first row of W as the bias: the bias is the last row",
    "forward_unexpected_logits": "gave the sigmoid unexpected logits: expected X W[:-1] + W[-1]",
    # Classifier.backward
    "backward_sigma": "used the sigmoid where its derivative z * (1 - z) belongs",
    "backward_sigmoid_twice": "applied the sigmoid to z again: the cache holds z = sigmoid(s)",
    "backward_no_derivative": "left out the derivative of the sigmoid, z * (1 - z)",
    "backward_transpose": "missing transpose: dW must be a column (D + 1, 1) like W",
    "backward_per_sample": "returns one gradient per sample: sum over the samples with X.T @ ds",
    "backward_no_bias": "forgot the gradient of the bias: the last row of dW is the sum of ds",
    "backward_sign": "has the wrong sign",
    "backward_double_n": "divided by N twice: the 1/N is already in dout",
    # Optimizer.step
    "optimizer_plus": "added the gradient instead of subtracting it: step against the gradient",
    "optimizer_no_lr": "forgot the learning rate: multiply dw by self.lr",
    "optimizer_lr_squared": "scaled by the learning rate twice",
    "optimizer_not_stored": "did not update model.W: store the new weights in self.model.W",
    "optimizer_returned_old": (
        "updated model.W but returned the old weights: return the new ones "
        "(return self.model.W, or assign them to weight)"
    ),
    # Solver._step
    "solver_order": "calls the steps out of order: forward, loss, backward, optimizer step",
    "solver_no_step": "never called the optimizer: finish with opt.step(dW)",
    "solver_no_backward": "never called model.backward with the gradient of the loss",
    "solver_no_forward": "never called model.forward on X_train",
    "solver_wrong_data": "must train on X_train and y_train",
    "solver_loss_args": "swapped the arguments of the loss: call loss_func(y_out, y_truth)",
    "solver_backward_arg": "passed the wrong array to model.backward: it needs dL/dz from the loss",
    "solver_step_arg": "passed the wrong array to opt.step: it needs dW from model.backward",
    "solver_step_scaled": (
        "passed opt.step a multiple of what model.backward returned (divided or scaled it, "
        "in place or not): pass dW on unchanged, the 1/N of the mean is already in the "
        "gradient of the loss"
    ),
    "solver_backward_scaled": (
        "passed model.backward a multiple of the gradient of the loss (divided or scaled it): "
        "pass it on unchanged, the 1/N of the mean is already in it"
    ),
    "solver_return": "must return the loss (a float) of the forward pass",
    "solver_return_tuple": (
        "returned a pair whose first item is not the loss: return the loss, or the pair "
        "(loss, gradient) that loss_func gives, the loss first"
    ),
    "solver_twice": "calls a step more than once per update",
    # Training
    "accuracy_low": "the trained model does not reach the target accuracy",
    "training_diverged": "training diverged: the weights contain NaN or inf",
    "training_loss": "training does not reach the minimum of the loss",
}
