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
# # 09 · A complete project: recognising handwritten digits
#
# The previous chapters covered tensors, autograd, `nn.Module`, optimizers and `DataLoader` one at a time.
# This chapter puts them together in a **complete project** and goes through every step of real work:
#
# 1. look at the data and split it into training, validation and test sets;
# 2. build a small convolutional network;
# 3. sort out what `model.train()` / `model.eval()` and `torch.no_grad()` each do;
# 4. train with `course_utils.fit`, with **early stopping** on the validation set;
# 5. plot the learning curves;
# 6. evaluate on the test set **once**: a confusion matrix, the accuracy of each class, and the images the model gets wrong;
# 7. save a checkpoint, **resume** training from it, and prove that the resumed run is **bit-identical** to an uninterrupted one.
#
# The data is scikit-learn's handwritten digits dataset: 1,797 grayscale images of 8×8 pixels that come with scikit-learn,
# so **nothing is downloaded**. The goal: at least 97% test accuracy, with under 30 seconds of training on a 2-core CPU.

# %%
from course_utils import setup_notebook

setup_notebook()

# %%
import copy
import tempfile
import time
from pathlib import Path

import matplotlib.pyplot as plt
import torch
from sklearn.metrics import confusion_matrix
from torch import nn
from torch.utils.data import DataLoader

from course_utils import (
    digits_datasets,
    fit,
    get_device,
    load_digits_tensors,
    plot_history,
    show_images,
)
from course_utils.checkpoint import load_checkpoint, save_checkpoint

device = get_device()  # the GPU if there is one, else the CPU
# The model is tiny, so splitting each small operation across threads saves almost nothing; and when
# other programs are busy on the same cores, the threads wait for each other and training can get
# several times slower. One thread is fast and steady here, and the results do not depend on how
# many cores the machine has.
torch.set_num_threads(1)
print("device:", device.type)

# %% [markdown]
# ## 1. The data
#
# `load_digits_tensors()` turns the dataset into PyTorch tensors: images of shape `(N, 1, 8, 8)` (N images, 1 channel, 8×8 pixels)
# scaled to `[0, 1]`, and labels that are integers from 0 to 9 (`int64`, the type `CrossEntropyLoss` expects).

# %%
# NBVAL_CHECK_OUTPUT
images, labels = load_digits_tensors()
print("images:", tuple(images.shape), images.dtype, f"min {images.min():.1f}, max {images.max():.1f}")
print("labels:", tuple(labels.shape), labels.dtype)
print("images per digit:", torch.bincount(labels).tolist())

# %% [markdown]
# 8×8 is a very low resolution, but the digits are still readable:

# %%
show_images(images[:16], titles=[f"label {y}" for y in labels[:16].tolist()])
plt.show()

# %% [markdown]
# ### Training, validation and test sets
#
# The data is split three ways, and each part has its own job:
#
# | set | share | used for |
# | --- | --- | --- |
# | train | 70% | computing gradients and updating the weights |
# | validation | 15% | looked at again and again during development: tuning hyperparameters, deciding when to stop, choosing between models |
# | test | 15% | used **once**, after every decision is made, to estimate how the model does on new data |
#
# **Why is the test set used only once?** Each time you look at the test score and go back to change something
# (another learning rate, a few more epochs, a different model), you are tuning the model on the test set.
# After a few dozen rounds of that, the test score is no longer an honest estimate for **new** data but a number you picked
# because it was high. The validation set is there for all those repeated decisions; the test set waits until the end.
#
# `digits_datasets(seed=0)` shuffles with a fixed seed before it splits, so every run gets the same split:
# validation scores of different experiments can be compared directly, and test images never leak into the training set.

# %%
# NBVAL_CHECK_OUTPUT
train_set, val_set, test_set = digits_datasets(seed=0)
for name, subset in (("train", train_set), ("validation", val_set), ("test", test_set)):
    counts = torch.bincount(subset.tensors[1], minlength=10).tolist()
    print(f"{name:>10}: {len(subset):4d} images, per digit {counts}")

# %% [markdown]
# Each set has roughly as many images of every digit, so accuracy is a sensible measure (if one class made up 90% of the data,
# a model that always guessed that class would be 90% accurate).
#
# Next come the `DataLoader`s (chapter 08). Only the training set needs shuffling; the order of the validation and test sets
# does not change the result, and their batches can be larger, because evaluation keeps no gradients.
#
# The training set is shuffled by a `torch.Generator` of **its own**. The shuffling order then depends on this generator
# alone, and does not change because some other code drew one more random number; in section 7 we will also save its state
# in the checkpoint.

# %%
# NBVAL_CHECK_OUTPUT
BATCH_SIZE = 32
shuffle_generator = torch.Generator().manual_seed(0)
train_loader = DataLoader(train_set, batch_size=BATCH_SIZE, shuffle=True, generator=shuffle_generator)
val_loader = DataLoader(val_set, batch_size=256)
test_loader = DataLoader(test_set, batch_size=256)
print("batches per epoch:", len(train_loader), "| validation batches:", len(val_loader))

# %% [markdown]
# ## 2. The model: a small convolutional network
#
# Two 3×3 convolutions pick up strokes (`padding=1` keeps the 8×8 size), max pooling halves the size to 4×4,
# flattening gives 32 × 4 × 4 = 512 features, and two fully connected layers turn them into 10 scores (logits), one per digit.
#
# The two `nn.Dropout` layers zero a random 30% of the features during training, so the network cannot rely on any single
# feature; this reduces overfitting.

# %%
class DigitNet(nn.Module):
    def __init__(self, dropout: float = 0.3):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, kernel_size=3, padding=1), nn.ReLU(),   # (N, 16, 8, 8)
            nn.Conv2d(16, 32, kernel_size=3, padding=1), nn.ReLU(),  # (N, 32, 8, 8)
            nn.MaxPool2d(2),                                         # (N, 32, 4, 4)
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),                                            # (N, 512)
            nn.Dropout(dropout),
            nn.Linear(32 * 4 * 4, 64), nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(64, 10),                                       # (N, 10): one logit per digit
        )

    def forward(self, x):
        return self.classifier(self.features(x))


# %%
# NBVAL_CHECK_OUTPUT
demo = DigitNet().to(device)
batch_images, batch_labels = next(iter(val_loader))
print("parameters:", sum(p.numel() for p in demo.parameters()))
print("input:", tuple(batch_images.shape), "-> logits:", tuple(demo(batch_images.to(device)).shape))

# %% [markdown]
# Fewer than 40,000 parameters: plenty for 1,258 training images.
#
# ## 3. `model.train()`, `model.eval()` and `torch.no_grad()`
#
# Some layers behave differently in training and in evaluation: `Dropout` drops random units in training and does nothing
# in evaluation; `BatchNorm` uses the statistics of the current batch in training and its running statistics in evaluation.
# `model.train()` and `model.eval()` flip that switch (they set the `.training` attribute of every submodule).
# Forgetting to flip it is one of the most common bugs: evaluated in training mode, the same image can get a different
# prediction each time.

# %%
# NBVAL_CHECK_OUTPUT
x = batch_images[:4].to(device)
demo.train()
print("train mode: two passes give the same logits?", torch.equal(demo(x), demo(x)))
demo.eval()
print("eval mode:  two passes give the same logits?", torch.equal(demo(x), demo(x)))
print("demo.training =", demo.training, "| its Dropout layer's training =", demo.classifier[1].training)

# %% [markdown]
# `torch.no_grad()` is about something else: inside it, PyTorch **records no graph** (chapter 05), so it keeps none of the
# intermediate results that a backward pass would need, and evaluation is faster and uses less memory. It does not change
# what Dropout does, and `eval()` does not turn off the graph, so evaluation needs **both**.
# (`torch.inference_mode()` is a stricter version that does the same job.)

# %%
# NBVAL_CHECK_OUTPUT
out = demo(x)
print("eval mode only: requires_grad =", out.requires_grad, "| grad_fn =", type(out.grad_fn).__name__)
with torch.no_grad():
    out = demo(x)
print("eval + no_grad: requires_grad =", out.requires_grad, "| grad_fn =", out.grad_fn)

# %% [markdown]
# The training loop in `course_utils` (`src/course_utils/training.py`, worth opening) is arranged exactly like this:
#
# ```python
# def _train_epoch(model, loader, loss_fn, optimizer, device):
#     model.train()                        # Dropout on
#     for batch in loader:                 # a batch is (*inputs, target)
#         *inputs, target = (t.to(device) for t in batch)
#         optimizer.zero_grad()
#         loss = loss_fn(model(*inputs), target)
#         loss.backward()
#         optimizer.step()
#
# @torch.no_grad()                         # record no graph
# def evaluate(model, loader, loss_fn, device):
#     model.eval()                         # Dropout off
#     ...                                  # add up the loss and the correct predictions
# ```
#
# In every epoch `fit()` calls `_train_epoch`, then `evaluate` on the validation set, and records the results in `history`.
# Because `_train_epoch` starts with `model.train()`, the next epoch is back in training mode after the evaluation.
#
# ## 4. Training, with early stopping on the validation set
#
# Trained long enough, a model starts to **overfit**: the training loss keeps falling while the validation loss stops
# falling or even rises. **Early stopping** watches the validation loss after every epoch; each time it reaches a new low,
# it keeps a copy of the weights; after `PATIENCE` epochs without a new low it stops training and puts the best weights back.
#
# `fit()` calls its `on_epoch_end(epoch, history)` argument after every epoch and stops when it returns `True`: just what
# early stopping needs.
#
# The learning rate follows a **cosine schedule** (chapter 07): it starts at 3e-3 and falls smoothly to 0 by epoch
# `MAX_EPOCHS`. Large steps early on make fast progress; small steps at the end let the weights settle. That also makes
# the run **stable**: with a constant learning rate, a difference in the last bit of one float (another CPU, another
# library version) grows from step to step until the validation curve, and so the epoch early stopping picks, is
# different. With the schedule the best epoch, the validation accuracy and the test accuracy printed below come out the
# same on every machine the course is tested on.

# %%
torch.manual_seed(0)  # the initial weights depend on this seed only, not on which cells ran above
model = DigitNet().to(device)
optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
loss_fn = nn.CrossEntropyLoss()

MAX_EPOCHS, PATIENCE = 12, 3
scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=MAX_EPOCHS)  # lr falls to 0 by the last epoch
best = {"epoch": 0, "val_loss": float("inf"), "state": None}


def early_stopping(epoch, history):
    """Keep a copy of the best weights; return True (stop) after PATIENCE epochs without a new best."""
    if history["val_loss"][-1] < best["val_loss"]:
        best.update(epoch=epoch, val_loss=history["val_loss"][-1], state=copy.deepcopy(model.state_dict()))
    return epoch - best["epoch"] >= PATIENCE


cpu_start, wall_start = time.process_time(), time.perf_counter()
history = fit(model, train_loader, loss_fn, optimizer, epochs=MAX_EPOCHS, val_loader=val_loader,
              scheduler=scheduler, on_epoch_end=early_stopping)
cpu_seconds, wall_seconds = time.process_time() - cpu_start, time.perf_counter() - wall_start

# %%
# NBVAL_IGNORE_OUTPUT
# timings depend on the machine and on what else it is doing
print(f"training took {cpu_seconds:.1f} s of CPU time ({wall_seconds:.1f} s on the clock)")

# %%
model.load_state_dict(best["state"])  # put the weights of the best epoch back
print(f"stopped after {len(history['train_loss'])} epochs; best epoch {best['epoch']}")
print(f"best validation loss {best['val_loss']:.2f}, accuracy {history['val_acc'][best['epoch'] - 1]:.4f}")

# %% [markdown]
# When you run this notebook, a progress bar shows up above (the automatic tests turn it off, because it shows speeds and times).
#
# ## 5. Learning curves
#
# `plot_history` draws the curves that `fit()` returned; the dashed line marks the epoch that early stopping chose.
# The loss axis is logarithmic, so that the small changes of the later epochs are visible.

# %%
fig = plot_history(history, title="DigitNet on the digits")
for ax in fig.axes:
    ax.axvline(best["epoch"], color="gray", linestyle="--", label="best epoch")
fig.axes[0].set_yscale("log")
fig.axes[0].legend()
plt.show()

# %% [markdown]
# How to read it:
#
# * Both losses fall together: the model is learning. As the learning rate shrinks, both curves flatten. After the best
#   epoch the validation loss makes no new low; the training loss still creeps down. Training on would not make the model
#   better on new data, and it might start memorising details of the training set (overfitting). Early stopping stops
#   when `PATIENCE` epochs have passed without a new low, and puts the best weights back.
# * The validation loss is sometimes lower than the training loss, which is no surprise: the training loss is the average
#   over an epoch, computed with Dropout on while the weights were still changing; the validation loss is computed at the
#   end of the epoch, with Dropout off.
# * Each step of the validation accuracy is 1/270 ≈ 0.4%: the validation set has only 270 images, so one or two images
#   more or less make the curve jitter.
#
# ## 6. The final evaluation: the test set, used once
#
# Every decision (architecture, learning rate, when to stop) has been made; only now do we open the test set. We go over it
# once, collect the logits of every image, and take every number below from that one pass: we do not go back and change
# the model because of them.

# %%
model.eval()
with torch.no_grad():
    test_logits = torch.cat([model(inputs.to(device)).cpu() for inputs, _ in test_loader])
test_targets = torch.cat([targets for _, targets in test_loader])
test_preds = test_logits.argmax(dim=1)

test_loss = loss_fn(test_logits, test_targets).item()
test_acc = (test_preds == test_targets).float().mean().item()
print(f"test loss {test_loss:.2f}, test accuracy {test_acc:.4f} "
      f"({(test_preds == test_targets).sum().item()} of {len(test_targets)} correct)")

# %%
# NBVAL_CHECK_OUTPUT
print("test accuracy at least 97%:", test_acc >= 0.97)

# %% [markdown]
# ### The confusion matrix
#
# Accuracy is a single number. The **confusion matrix** shows where the mistakes are: the number in row i, column j is how
# many images of a true i were predicted as j. The diagonal holds the correct predictions; every other cell is an error.
# (By scikit-learn's convention, rows are the true classes and columns the predicted ones.)

# %%
cm = torch.from_numpy(confusion_matrix(test_targets.numpy(), test_preds.numpy(), labels=list(range(10))))

fig, ax = plt.subplots(figsize=(6, 5.5))
ax.imshow(cm.numpy(), cmap="Blues")
for true in range(10):
    for pred in range(10):
        count = cm[true, pred].item()
        if count:
            ax.text(pred, true, str(count), ha="center", va="center",
                    color="white" if count > cm.max().item() / 2 else "black")
ax.set_xticks(range(10))
ax.set_yticks(range(10))
ax.set_xlabel("predicted digit")
ax.set_ylabel("true digit")
ax.set_title("Confusion matrix on the test set")
ax.grid(False)
plt.show()

# %% [markdown]
# The accuracy of each class is its diagonal entry divided by the sum of its row (the number of images of that class).
# When the overall accuracy is high, this shows whether one class is doing much worse than the others.

# %%
per_class = cm.diag() / cm.sum(dim=1)
for digit in range(10):
    print(f"digit {digit}: {cm[digit, digit].item():2d} of {cm[digit].sum().item():2d} correct ({per_class[digit]:.4f})")
print("errors (true -> predicted: count):",
      [(t, p, cm[t, p].item()) for t in range(10) for p in range(10) if t != p and cm[t, p] > 0])

# %% [markdown]
# ### The images the model got wrong
#
# Here are the images the model got wrong; each title has the true label, the prediction, and the probability (softmax)
# that the model gave its prediction:

# %%
wrong = (test_preds != test_targets).nonzero().flatten()
probabilities = test_logits.softmax(dim=1)
titles = [f"true {test_targets[i]}, pred {test_preds[i]}\np = {probabilities[i, test_preds[i]]:.2f}" for i in wrong]
if len(wrong):
    show_images(test_set.tensors[0][wrong], titles=titles, ncols=max(len(wrong), 4))
    plt.show()
else:
    print("every test image is classified correctly")

# %% [markdown]
# At 8×8 the images are so coarse that a person could make some of these mistakes too.
#
# ## 7. Checkpoints: saving, and resuming where training stopped
#
# Large models train for hours or days, and machines get restarted and jobs get pre-empted. A **checkpoint** writes the
# whole state of training to disk at regular times, so that after a failure training goes on from the latest checkpoint
# instead of starting again from scratch.
#
# ### To use the model: save the `state_dict`
#
# If you only want to **use** the model later, saving `model.state_dict()` (a dict "parameter name → tensor") is enough.
# To load it, build the model with the same code, then call `load_state_dict`.
# Since version 2.6, `torch.load` defaults to `weights_only=True`: it reads only tensors and plain Python data (numbers,
# strings, lists, dicts and the like) and never runs code hidden in the file, which makes loading someone else's checkpoint safer.

# %%
# NBVAL_CHECK_OUTPUT
checkpoint_dir = tempfile.TemporaryDirectory()  # a temporary folder, removed at the end of this section
weights_path = Path(checkpoint_dir.name) / "digitnet_weights.pt"
torch.save(model.state_dict(), weights_path)

restored = DigitNet().to(device)
restored.load_state_dict(torch.load(weights_path, weights_only=True))
restored.eval()
with torch.no_grad():
    same = torch.equal(restored(x), model(x))
print("keys:", list(model.state_dict())[:4], "...")
print("restored model gives the same logits:", same)

# %% [markdown]
# ### To resume training: save everything
#
# To **resume training** where it stopped, and get **exactly** the result of a run that was never interrupted, the weights
# are not enough. You also need:
#
# | state | why |
# | --- | --- |
# | `optimizer.state_dict()` | the running averages and step counts that Adam keeps for every parameter; without them every following step is different |
# | the number of epochs done, `epoch` | to know where to go on from |
# | the state of the training `DataLoader`'s generator | it decides the shuffling order of every following epoch |
# | torch's global random number generator (and CUDA's on a GPU) | Dropout draws its random masks from it; and **every** `DataLoader` draws a seed from its own generator (or the global one if it has none) each time you iterate over it, even the unshuffled validation loader |
# | the state of Python's `random` and of NumPy | not used here, but many data augmentations use them |
# | the learning-rate scheduler's state (if there is one) | how far the schedule has gone |
#
# `course_utils/checkpoint.py` collects all of it: `save_checkpoint(path, model, optimizer, epoch, generator=...)` saves,
# and `load_checkpoint(path, model, optimizer, generator=...)` restores and returns the whole checkpoint
# (`state["epoch"]` is the number of epochs done). Then `fit(..., start_epoch=state["epoch"])` goes on with the next epoch.
#
# Now the experiment:
#
# * **A: uninterrupted.** Train 6 epochs, saving a checkpoint at the end of epoch 3 on the way.
# * **B: resumed.** Pretend the process crashed after epoch 3: build the model, optimizer and DataLoader again (on purpose
#   with **other** seeds, to show that everything comes from the checkpoint), load the checkpoint and train the last 3 epochs.
#
# On a GPU some convolution algorithms are not deterministic (the same input can give results that differ in the last
# digits), so first we ask cuDNN for deterministic algorithms only; on the CPU these two lines have no effect.

# %%
torch.backends.cudnn.deterministic = True  # GPU: deterministic convolution algorithms only (no effect on the CPU)
torch.backends.cudnn.benchmark = False

SAVE_AT, TOTAL = 3, 6
checkpoint_path = Path(checkpoint_dir.name) / "digitnet_epoch3.pt"


def new_run(seed):
    """Build what a training script builds when it starts: model, optimizer, shuffling loader."""
    torch.manual_seed(seed)
    run_model = DigitNet().to(device)
    run_optimizer = torch.optim.Adam(run_model.parameters(), lr=3e-3)
    generator = torch.Generator().manual_seed(seed)
    loader = DataLoader(train_set, batch_size=BATCH_SIZE, shuffle=True, generator=generator)
    return run_model, run_optimizer, loader, generator


# A: train 6 epochs in one go, saving a checkpoint at the end of epoch 3
model_a, optimizer_a, loader_a, generator_a = new_run(seed=1)


def save_at_epoch_3(epoch, history):
    if epoch == SAVE_AT:
        save_checkpoint(checkpoint_path, model_a, optimizer_a, epoch, generator=generator_a, history=history)


history_a = fit(model_a, loader_a, loss_fn, optimizer_a, epochs=TOTAL, val_loader=val_loader,
                on_epoch_end=save_at_epoch_3)

# %% [markdown]
# What is in the checkpoint? (`weights_only=True` can read it, so it holds only tensors and plain Python data.)

# %%
checkpoint = torch.load(checkpoint_path, weights_only=True)
print("checkpoint:", list(checkpoint))
print("rng:", list(checkpoint["rng"]))
print("epoch:", checkpoint["epoch"], "| optimizer state of the first weight:", list(checkpoint["optimizer"]["state"][0]))

# %%
# B: a new "process" with other seeds; everything is restored from the checkpoint
model_b, optimizer_b, loader_b, generator_b = new_run(seed=2)
state = load_checkpoint(checkpoint_path, model_b, optimizer_b, generator=generator_b)
print("resuming after epoch", state["epoch"])
history_b = fit(model_b, loader_b, loss_fn, optimizer_b, epochs=TOTAL, start_epoch=state["epoch"],
                val_loader=val_loader)

# %% [markdown]
# Now compare **every** tensor in the `state_dict`s of the two runs. `torch.equal` wants the same shape and every number
# exactly equal, not "close":

# %%
# NBVAL_CHECK_OUTPUT
state_a, state_b = model_a.state_dict(), model_b.state_dict()
for name in state_a:
    print(f"{name:<22} identical: {torch.equal(state_a[name], state_b[name])}")
print("resumed run == uninterrupted run, bit for bit:", all(torch.equal(state_a[k], state_b[k]) for k in state_a))

# %% [markdown]
# Identical, bit for bit. The validation losses of epochs 4-6 match as well, to the last bit (B ran only those 3 epochs):

# %%
print("validation losses of A and B equal, bit for bit:", history_a["val_loss"][SAVE_AT:] == history_b["val_loss"])

# %% [markdown]
# ### Counter-example: restore one thing less
#
# Run the same experiment again, but do **not** restore the DataLoader's generator (everything else is restored as before).
# Every following epoch is shuffled differently, and so the weights come out different:

# %%
# NBVAL_CHECK_OUTPUT
model_c, optimizer_c, loader_c, generator_c = new_run(seed=2)
state = load_checkpoint(checkpoint_path, model_c, optimizer_c)  # no generator=generator_c
fit(model_c, loader_c, loss_fn, optimizer_c, epochs=TOTAL, start_epoch=state["epoch"], val_loader=val_loader)
state_c = model_c.state_dict()
print("without the generator state, identical:", all(torch.equal(state_a[k], state_c[k]) for k in state_a))

# %%
largest = max((state_a[k].float() - state_c[k].float()).abs().max().item() for k in state_a)
print("largest difference in a weight is far above float rounding (> 1e-3):", largest > 1e-3)
checkpoint_dir.cleanup()  # remove the temporary folder and the checkpoints in it

# %% [markdown]
# The difference is small and the model still works; but "almost the same" makes debugging hard: you cannot tell whether a
# change came from your edit or from randomness. Runs you can reproduce bit for bit are runs you can debug.
# (`tests/test_checkpoint.py` uses the same method to prove that a resumed run is bit-identical, and that leaving out the
# generator or the global random state gives other weights.)
#
# In real projects a checkpoint is usually saved every epoch (or every few hundred steps), with the epoch in the file name,
# keeping only the last few and the one with the best validation score. `save_checkpoint` writes to a temporary file first
# and then renames it, so a crash while saving never leaves a half-written checkpoint behind.
#
# ## Summary
#
# * Split the data three ways: the training set updates the weights, the validation set makes every decision, and the
#   test set is used once, at the end.
# * Train with `model.train()`; evaluate with `model.eval()` **and** `torch.no_grad()`: the first changes how
#   Dropout/BatchNorm behave, the second records no graph.
# * Early stopping: watch the validation loss, keep the best weights, stop after a few epochs without progress.
# * Look beyond accuracy: the confusion matrix, the accuracy of each class, and the examples the model gets wrong.
# * A checkpoint you can resume from = model + optimizer + epoch + **every** random number generator (the DataLoader's
#   generator included); restore them all and the result is bit-identical.
#
# The exercises are in `exercises/en/09_training.ipynb`: write accuracy, a confusion matrix, an evaluation function, saving
# and loading a checkpoint yourself, and finally fix a training run that does not learn, to at least 95% validation
# accuracy, by changing only its hyperparameters.

# %% [markdown]
# <!-- navigation: generated by `course exercises` -->
# **Next:** [the exercises of this chapter: 09_training](../../exercises/en/09_training.ipynb) · [the next chapter: 10_torchvision](10_torchvision.ipynb)
