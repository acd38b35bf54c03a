# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: -all
#     notebook_metadata_filter: kernelspec,jupytext,-jupytext.text_representation.jupytext_version
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: PyTorch course
#     language: python
#     name: pytorch-course
# ---

# %% [markdown]
# # 09 · Exercises: a complete training project
#
# Six exercises, one for each step of the lesson: accuracy, a confusion matrix, an evaluation function, saving a checkpoint,
# loading it, and finally repairing a failed training run by changing only its hyperparameters.
#
# Replace `raise NotImplementedError(...)` in each function with your code, then run the `check(...)` cell below it:
# `✅` checks passed, `❌` not yet (with a hint), `⏳` not done yet. Stuck? The full solutions are in `solutions/en/09_training.ipynb`.

# %%
from course_utils import check, setup_notebook

setup_notebook()

# %%
import torch

# %% [markdown]
# ## 09.1 Accuracy from logits
#
# For N examples a model outputs logits of shape `(N, C)` (one score per class); `targets` holds the true classes, shape `(N,)`.
# Write `accuracy(logits, targets)`: return the **fraction** of correct predictions (a number between 0 and 1).
# The predicted class is the one with the largest score.

# %%
def accuracy(logits, targets):
    """Fraction of the rows of `logits` whose largest score is at the target class (a number in [0, 1])."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("09.1", accuracy)

# %% [markdown]
# ## 09.2 A confusion matrix
#
# Write `confusion_matrix(preds, targets, num_classes)`: return an integer tensor of shape `(num_classes, num_classes)`
# where `cm[t, p]` is the number of examples of true class t that were predicted as p (**rows are the true classes,
# columns the predicted ones**, as in scikit-learn). A class that never occurs still gets its row and column.

# %%
def confusion_matrix(preds, targets, num_classes):
    """cm[t, p] = how many examples of true class t were predicted as class p."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("09.2", confusion_matrix)

# %% [markdown]
# ## 09.3 An evaluation function
#
# Write `evaluate_accuracy(model, loader, device)`: return the accuracy of `model` over **all** the examples of `loader`. It must
#
# * run the model in evaluation mode (Dropout off);
# * record no graph;
# * move every batch to `device`;
# * count over all batches together: add up the correct predictions and the examples, and divide at the end (the last
#   batch can be smaller).
#
# The check uses a model with Dropout.

# %%
def evaluate_accuracy(model, loader, device):
    """Accuracy of `model` over all examples of `loader`, in eval mode and without recording a graph."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("09.3", evaluate_accuracy)

# %% [markdown]
# ## 09.4 Save a checkpoint
#
# Write `save_training_state(path, model, optimizer, epoch)`: save a dict with three keys to `path`:
# `"model"` (the model's `state_dict`), `"optimizer"` (the optimizer's `state_dict`) and `"epoch"` (the number of epochs done).
# The check reads it with `torch.load(path, weights_only=True)`.

# %%
def save_training_state(path, model, optimizer, epoch):
    """Save {"model": ..., "optimizer": ..., "epoch": ...} to `path`, so that training can resume."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("09.4", save_training_state)

# %% [markdown]
# ## 09.5 Load a checkpoint to resume training
#
# Write `load_training_state(path, model, optimizer)`: read a checkpoint in the format of 09.4, put the saved state into the
# `model` and `optimizer` **you were given**, and return the number of epochs done (training then goes on with
# `fit(..., start_epoch=<that number>)`). After loading, the check trains one more step and compares the result with the
# original run.

# %%
def load_training_state(path, model, optimizer):
    """Load a checkpoint written by save_training_state into `model` and `optimizer`; return its epoch."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("09.5", load_training_state)

# %% [markdown]
# ## 09.6 Fix the hyperparameters
#
# With your hyperparameters, the check trains a fixed small network (a 64 → 64 → 10 fully connected network, SGD with
# momentum 0.9) on the digits' training set, then measures its accuracy on the validation set.
# The goal: **at least 95% validation accuracy**.
#
# The values marked in the function below train badly. **Change only these values** (the learning rate `lr`, the number of
# `epochs`, at most 20, and the `batch_size`), then delete the `raise NotImplementedError` line. The model, the optimizer and
# the data stay as they are: the dict may hold only these three keys.
#
# Every check trains again (a few seconds). When it fails, the hint tells you how the loss behaved: did it hardly move?
# Did it become nan? Was it still falling? That tells you which way to turn each value. To watch the training yourself,
# call the function the check uses: `from course_utils.checks.ch09_training import train_with_hyperparameters`;
# `train_with_hyperparameters(config)` returns the training loss and validation accuracy of every epoch.

# %%
def hyperparameters():
    """Return the training hyperparameters: change only the values in the marked block."""
    # ---- change only these three values (as they are, they train badly) ---
    config = {"lr": 0.0001, "epochs": 2, "batch_size": 512}
    # ----------------------------------------------------------------------
    raise NotImplementedError("Write your code here / 在这里写你的代码")
    return config


# %%
# NBVAL_CHECK_OUTPUT
check("09.6", hyperparameters)

# %% [markdown]
# Six ✅? You have gone through a whole deep-learning project: splitting the data, training, evaluating, checkpoints.
# The next chapter works with real images in torchvision.
