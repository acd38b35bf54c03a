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
# # 10 · torchvision: datasets, transforms, models, detection and segmentation
#
# In the seed text's table of components, torchvision gets one line: "common datasets, model architectures and image transforms". This chapter turns that line into code that runs:
#
# 1. **Datasets**: the real download code (behind a switch), `FakeData`, `ImageFolder` for a folder of pictures, and the course's own "shapes" dataset with boxes and masks;
# 2. **Transforms v2** (`torchvision.transforms.v2`): what each transform does to a real photo, and how **boxes and masks follow the image**;
# 3. **Models**: the `weights=` API, the metadata and preprocessing that come with the weights, and the deprecated `pretrained=`;
# 4. **Transfer learning**: start from a checkpoint the course trained and saved itself, freeze the feature layers, put on a new head, solve a new task;
# 5. **Detection and segmentation tools**: `box_iou`, `nms`, `box_convert`, drawing boxes and masks, and finally a few training steps of a small Faster R-CNN, to see its losses fall and its output format.
#
# The whole chapter runs offline: everything that needs a download sits behind the `COURSE_DOWNLOAD=1` switch.

# %%
from course_utils import setup_notebook

setup_notebook()

# %%
import tempfile
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import torch
import torchvision
from matplotlib import cbook
from PIL import Image as PILImage
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from torchvision import tv_tensors
from torchvision.transforms import v2

from course_utils import (
    digits_datasets,
    downloads_enabled,
    evaluate,
    fit,
    get_device,
    offline_note,
    show_images,
)
from course_utils.shapes import CLASSES, ShapesDataset, collate_detection, masks_to_boxes_xyxy

device = get_device()  # the GPU if there is one, else the CPU
# This chapter's models are small: splitting each operation across threads costs more than it saves.
# One thread is faster here, and the results do not depend on how many cores the machine has.
torch.set_num_threads(1)
print("torchvision", torchvision.__version__)

# %% [markdown]
# ## 1. Datasets
#
# ### 1.1 Real datasets: the download code sits behind a switch
#
# `torchvision.datasets` holds dozens of well-known datasets (MNIST, CIFAR-10, ImageNet, COCO, VOC, ...). All of them are map-style `Dataset`s: `ds[i]` returns `(image, label)`, and the `transform=` argument processes the image. Most of them can download themselves with `download=True`.
#
# The course is offline by default, so the download only runs when `COURSE_DOWNLOAD=1` is set (CIFAR-10 is about 170 MB, stored in `course_output/` next to this notebook):

# %%
print(offline_note("CIFAR-10"))
if downloads_enabled():
    cifar = torchvision.datasets.CIFAR10(root="course_output", train=True, download=True, transform=v2.ToImage())
    image, label = cifar[0]
    print(len(cifar), "images,", cifar.classes[label], tuple(image.shape))

# %% [markdown]
# ### 1.2 `FakeData`: the right shapes, random content
#
# To get a data pipeline and a model running before downloading anything, `FakeData` makes random noise images with random labels, in the shape and with the number of classes you ask for. Image `i` is drawn from the seed `i + random_offset` (without touching the global random state), so every run gives the same data. Like the other datasets it returns PIL images; `v2.ToImage()` turns them into tensors:

# %%
# NBVAL_CHECK_OUTPUT
fake = torchvision.datasets.FakeData(size=100, image_size=(3, 32, 32), num_classes=10, transform=v2.ToImage())
image, label = fake[0]
print(len(fake), "images;", type(image).__name__, tuple(image.shape), image.dtype, "label", label)
batch_images, batch_labels = next(iter(DataLoader(fake, batch_size=8)))
print("one batch:", tuple(batch_images.shape), batch_labels.tolist())

# %% [markdown]
# ### 1.3 `ImageFolder`: one subfolder per class
#
# The most common way to organise your own pictures is one subfolder per class:
#
# ```
# root/circle/000.png
# root/square/000.png
# root/triangle/000.png
# ```
#
# `ImageFolder` reads exactly this layout. To try it, we first save images of the course's shapes dataset as PNG files in a temporary folder (one shape per image; the class is the name of the subfolder):

# %%
single = ShapesDataset(30, seed=7, max_shapes=1)
folder = tempfile.TemporaryDirectory()  # a temporary folder, deleted at the end of this section
for i in range(len(single)):
    image, target = single[i]
    class_dir = Path(folder.name) / CLASSES[target["labels"][0]]
    class_dir.mkdir(exist_ok=True)
    PILImage.fromarray(image.permute(1, 2, 0).numpy()).save(class_dir / f"{i:03d}.png")
print(sorted(p.name for p in Path(folder.name).iterdir()))

# %%
# NBVAL_CHECK_OUTPUT
to_tensor = v2.Compose([v2.ToImage(), v2.ToDtype(torch.float32, scale=True)])
folder_ds = torchvision.datasets.ImageFolder(folder.name, transform=to_tensor)
image, label = folder_ds[0]
print(len(folder_ds), "images, classes:", folder_ds.classes)
print("class_to_idx:", folder_ds.class_to_idx)
print("first image:", tuple(image.shape), image.dtype, "label", label, "=", folder_ds.classes[label])
print("images per class:", torch.bincount(torch.tensor(folder_ds.targets)).tolist())

# %% [markdown]
# Two things to notice:
#
# * `ImageFolder` numbers the classes in **alphabetical order** of the folder names, starting at 0. The shapes dataset itself numbers them 1, 2, 3 (0 is reserved for the background, as detection models require). The same thing has different numbers in the two places: convert when you mix them.
# * PIL reads the files, so PNG and JPEG both work; `transform=` turns the PIL image into the tensor the model wants.

# %%
folder.cleanup()

# %% [markdown]
# ### 1.4 The course's shapes dataset
#
# Detection and segmentation need much more than one label per image: for every object a **bounding box**, a **mask** (which pixels belong to it) and a class. Real datasets (COCO is well over 10 GB) cannot ship with a course, so the course generates its own: `course_utils.shapes.ShapesDataset`. Each 64×64 image holds 1 to 3 circles, squares or triangles with random colours, sizes and positions, all determined by `(seed, index)`: the same index always gives the same picture.
#
# It does not return plain tensors but `tv_tensors`: `Image`, `BoundingBoxes` (which carry their format `XYXY` and the canvas size) and `Mask`. These types are what tell the transforms of section 2 "this is a box, flip it along with the image".

# %%
# NBVAL_CHECK_OUTPUT
shapes = ShapesDataset(200, seed=0)
image, target = shapes[1]
print("classes:", CLASSES)
print("image:", type(image).__name__, tuple(image.shape), image.dtype)
print("boxes:", type(target["boxes"]).__name__, target["boxes"].format.name, "canvas", target["boxes"].canvas_size)
print(target["boxes"].as_subclass(torch.Tensor))
print("masks:", type(target["masks"]).__name__, tuple(target["masks"].shape), target["masks"].dtype)
print("labels:", target["labels"], [CLASSES[i] for i in target["labels"]])

# %% [markdown]
# Boxes follow the **pixel-edge** convention: a shape that covers columns 10 to 19 (inclusive) has `x1 = 10` and `x2 = 20`. Shapes may overlap: a later shape covers an earlier one, each mask holds only the **visible** pixels of its shape, and each box fits its mask tightly.

# %%
show_images([shapes[i][0] for i in range(16)],
            titles=[", ".join(CLASSES[j][:3] for j in shapes[i][1]["labels"]) for i in range(16)])
plt.show()

# %% [markdown]
# ## 2. Transforms v2
#
# `torchvision.transforms.v2` is the recommended transforms module today (the old `torchvision.transforms` only handles images). v2 transforms accept PIL images, plain tensors or `tv_tensors`, and they accept **several inputs at once**: pass the image, boxes, masks and labels together and a geometric transform does the same thing to all of them.
#
# ### 2.1 On a photo
#
# matplotlib ships a few sample images, among them a portrait photo (a JPEG 512 pixels wide and 600 high), just right for seeing what transforms do. The first step is always `v2.ToImage()`: it turns the PIL image into a `uint8` `tv_tensors.Image` of shape `(C, H, W)`.

# %%
# NBVAL_CHECK_OUTPUT
photo_path = cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)
with PILImage.open(photo_path) as pil_photo:
    print("PIL:", pil_photo.size, pil_photo.mode, "(width, height)")
    photo = v2.ToImage()(pil_photo)
print("tensor:", type(photo).__name__, tuple(photo.shape), photo.dtype)

# %% [markdown]
# Each transform below is applied to the photo on its own. Transforms named `Random...` draw new random parameters on every call, so we fix the seed with `torch.manual_seed` first to make the result repeatable:
#
# * `Resize(128)`: scales the **shorter side** to 128 and keeps the aspect ratio; `Resize((128, 128))` squashes the image into a square;
# * `RandomResizedCrop(128, scale=(0.2, 1.0))`: cuts out a random piece (20–100% of the area, with a random aspect ratio too) and resizes it to 128×128, the most common augmentation for training classifiers;
# * `ColorJitter`: random changes of brightness, contrast, saturation and hue;
# * `RandomRotation(30)`: a random rotation between ±30°, filling the corners with 0 (black).

# %%
# NBVAL_CHECK_OUTPUT
small_photo = v2.Resize(128)(photo)
examples = {"original (resized)": small_photo, "Resize((128, 128))": v2.Resize((128, 128))(photo)}
torch.manual_seed(0)
examples["RandomResizedCrop"] = v2.RandomResizedCrop(128, scale=(0.2, 1.0))(small_photo)
examples["ColorJitter"] = v2.ColorJitter(brightness=0.5, contrast=0.5, saturation=0.5, hue=0.1)(small_photo)
examples["RandomRotation(30)"] = v2.RandomRotation(30)(small_photo)
for name, img in examples.items():
    print(f"{name:20} {tuple(img.shape)} {img.dtype}")

# %%
show_images(list(examples.values()), titles=list(examples), ncols=5)
plt.show()

# %% [markdown]
# The same random transform gives a different result on every call, which is exactly what data augmentation wants: in every epoch the model sees "new" pictures.

# %%
torch.manual_seed(0)
augment = v2.Compose([v2.RandomResizedCrop(96, scale=(0.3, 1.0)), v2.RandomHorizontalFlip(),
                      v2.ColorJitter(brightness=0.4, contrast=0.4, saturation=0.4)])
show_images([augment(small_photo) for _ in range(8)], titles=[f"call {i + 1}" for i in range(8)], ncols=8)
plt.show()

# %% [markdown]
# ### `ToDtype` and `Normalize`: the numbers a model wants
#
# Models want floating-point numbers. `ToDtype(torch.float32, scale=True)` maps the `uint8` range 0–255 to 0–1 (`scale=False` only changes the type and leaves the values at 0–255, a common mistake). `Normalize(mean, std)` then computes `(x - mean) / std` per channel. torchvision's classifiers pretrained on ImageNet expect the ImageNet mean and standard deviation, and section 3 shows that these numbers are stored with the weights.

# %%
# NBVAL_CHECK_OUTPUT
imagenet_mean, imagenet_std = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
steps = {
    "uint8": photo,
    "ToDtype(scale=False)": v2.ToDtype(torch.float32)(photo),
    "ToDtype(scale=True)": v2.ToDtype(torch.float32, scale=True)(photo),
}
steps["+ Normalize"] = v2.Normalize(imagenet_mean, imagenet_std)(steps["ToDtype(scale=True)"])
for name, img in steps.items():
    x = img.float()
    print(f"{name:21} {str(img.dtype):14} min {x.min():8.4f}  max {x.max():8.4f}  channel means",
          [round(m, 4) for m in x.mean(dim=(1, 2)).tolist()])

# %% [markdown]
# After normalisation the values are positive and negative, so they cannot be shown as an image directly (`imshow` would clip them to 0–1). To plot, undo it first: `x * std + mean`.

# %% [markdown]
# ### 2.2 Boxes and masks follow the image
#
# For detection, when you flip or crop the image, the boxes and masks must undergo exactly the same change, or the annotations no longer match. v2 does this by taking them together: `transform(image, target)`. The transform recognises `BoundingBoxes` and `Mask` and treats each accordingly; plain tensors such as `labels` pass through unchanged.
#
# The simplest case first, a horizontal flip: in an image 64 pixels wide, `x` becomes `64 - x`, and `x1` and `x2` swap.

# %%
# NBVAL_CHECK_OUTPUT
image, target = shapes[1]
flipped_image, flipped = v2.RandomHorizontalFlip(p=1.0)(image, target)
print("before:", target["boxes"].as_subclass(torch.Tensor).tolist())
print("after: ", flipped["boxes"].as_subclass(torch.Tensor).tolist())
print("labels unchanged:", torch.equal(flipped["labels"], target["labels"]))
print("boxes still tight around the flipped masks:",
      torch.equal(flipped["boxes"].as_subclass(torch.Tensor), masks_to_boxes_xyxy(flipped["masks"])))

# %% [markdown]
# Now combine a few transforms and draw the boxes and masks before and after. Section 5 says more about `draw_bounding_boxes` and `draw_segmentation_masks`.
#
# A crop can cut a shape away entirely and leave a box of width or height 0. `SanitizeBoundingBoxes` at the end of the pipeline removes such degenerate boxes **together with their labels and masks** (it finds the `"labels"` key and the `Mask` by itself).

# %%
from torchvision.utils import draw_bounding_boxes, draw_segmentation_masks


def draw_target(image, target, colors="white", scale=3):
    """Masks overlaid and boxes drawn on a uint8 image, enlarged `scale` times, as (H, W, 3) for imshow."""
    # enlarge first (nearest neighbour keeps the pixels sharp) so the text labels are relatively small; Resize moves boxes and masks too
    enlarge = v2.Resize(scale * image.shape[-1], interpolation=v2.InterpolationMode.NEAREST)
    image, target = enlarge(image, target)
    if "masks" in target and len(target["masks"]):
        image = draw_segmentation_masks(image, target["masks"], alpha=0.45)
    labels = [CLASSES[i] for i in target["labels"]]
    return draw_bounding_boxes(image, target["boxes"], labels=labels, colors=colors, width=2).permute(1, 2, 0)


geometric = {
    "HorizontalFlip": v2.RandomHorizontalFlip(p=1.0),
    "RandomResizedCrop": v2.RandomResizedCrop(64, scale=(0.3, 1.0)),
    "RandomRotation(40)": v2.RandomRotation(40),
    "RandomAffine": v2.RandomAffine(degrees=0, translate=(0.2, 0.2), scale=(0.7, 1.3)),
}
torch.manual_seed(3)
fig, axes = plt.subplots(2, 4, figsize=(10, 5.4))
for col, (name, transform) in enumerate(geometric.items()):
    image, target = shapes[col + 2]
    new_image, new_target = v2.Compose([transform, v2.SanitizeBoundingBoxes()])(image, target)
    axes[0, col].imshow(draw_target(image, target))
    axes[0, col].set_title(f"sample {col + 2}: before", fontsize=9)
    axes[1, col].imshow(draw_target(new_image, new_target))
    axes[1, col].set_title(f"after {name}", fontsize=9)
for ax in axes.flat:
    ax.axis("off")
fig.tight_layout()
plt.show()

# %% [markdown]
# Every box still sits on its shape. Look at the rotation column: the transform only knows the four corners of the old box, and after rotating it takes the rectangle around those corners, so the box is **larger** than the shape. When you have masks, you can recompute tight boxes from them (`masks_to_boxes`, section 5).

# %% [markdown]
# **A common pitfall**: if the boxes are a plain `torch.Tensor` instead of `tv_tensors.BoundingBoxes`, the transform has no idea that they are boxes and passes them through. The image is flipped, the boxes are not, and nothing complains:

# %%
# NBVAL_CHECK_OUTPUT
image, target = shapes[1]
plain_target = {"boxes": target["boxes"].as_subclass(torch.Tensor), "labels": target["labels"]}
_, out_plain = v2.RandomHorizontalFlip(p=1.0)(image, plain_target)
_, out_typed = v2.RandomHorizontalFlip(p=1.0)(image, target)
print("plain tensor boxes:  ", out_plain["boxes"].tolist(), "<- not flipped!")
print("BoundingBoxes boxes: ", out_typed["boxes"].as_subclass(torch.Tensor).tolist())

# %% [markdown]
# In your own datasets, wrap the annotations in `tv_tensors.BoundingBoxes(boxes, format="XYXY", canvas_size=(H, W))` and `tv_tensors.Mask(masks)` and you are safe from this one.

# %% [markdown]
# ## 3. Models and the `weights=` API
#
# `torchvision.models` holds more than a hundred models: classification, detection, segmentation, video, optical flow. `list_models()` lists their names and `get_model(name, ...)` builds one by name.

# %%
# NBVAL_CHECK_OUTPUT
from torchvision import models

print("all models:", len(models.list_models()))
print("detection:", models.list_models(module=models.detection))
print("segmentation:", models.list_models(module=models.segmentation))
print("resnets:", models.list_models(include="resnet*"))

# %% [markdown]
# The detection list is the whole family: **Faster R-CNN**, **Mask R-CNN** (adds masks), **Keypoint R-CNN** (adds keypoints), **RetinaNet**, **SSD**, **SSDlite** and **FCOS**. The seed text says torchvision ships YOLO: it does not. YOLO models come from other libraries; in this chapter YOLO appears only as the name of a box format.
#
# ### Weights are an enum
#
# Every model has an enum of weights, for example `ResNet18_Weights`. `DEFAULT` points to the best set available. Besides the download address, the enum holds **metadata** (class names, number of parameters, ImageNet accuracy) and the **preprocessing** these weights need. All of this is written in torchvision's code, so no download is needed:

# %%
# NBVAL_CHECK_OUTPUT
from torchvision.models import ResNet18_Weights, resnet18

weights = ResNet18_Weights.DEFAULT
print(weights, "| all:", [w.name for w in ResNet18_Weights])
print("categories:", len(weights.meta["categories"]), weights.meta["categories"][:5])
print("parameters:", weights.meta["num_params"], "| ImageNet accuracy:", weights.meta["_metrics"]["ImageNet-1K"])
preprocess = weights.transforms()
print(preprocess)

# %% [markdown]
# `weights.transforms()` is the preprocessing used when these weights were trained: resize the shorter side to 256, crop the centre 224, scale to 0–1, normalise with the ImageNet mean and standard deviation. When you use a pretrained model, use exactly this rather than guessing.
#
# Downloading the weights (about 45 MB for ResNet-18) sits behind the switch. Offline we use `weights=None`: the same architecture with random parameters, so its "predictions" mean nothing, but the shapes and the workflow are the same:

# %%
print(offline_note("the pretrained ResNet-18 weights"))
if downloads_enabled():
    classifier = resnet18(weights=ResNet18_Weights.DEFAULT)
else:
    classifier = resnet18(weights=None)  # the same architecture, random parameters
classifier.eval()  # inference mode: BatchNorm uses its stored statistics
print(type(classifier).__name__, "in eval mode:", not classifier.training)

# %%
# NBVAL_CHECK_OUTPUT
batch = preprocess(photo).unsqueeze(0)  # (1, 3, 224, 224), already normalised
with torch.no_grad():
    logits = classifier(batch)
print("input:", tuple(batch.shape), "-> logits:", tuple(logits.shape))

# %%
# NBVAL_IGNORE_OUTPUT
# with random parameters the prediction is meaningless; only with COURSE_DOWNLOAD=1 is it real
probabilities = logits.softmax(dim=1)[0]
top = probabilities.topk(3)
for p, i in zip(top.values, top.indices):
    print(f"{weights.meta['categories'][i]:25} {p:.4f}")

# %% [markdown]
# ### `pretrained=` is deprecated
#
# Many older tutorials write `resnet18(pretrained=True)`. This argument has been deprecated since torchvision 0.13. In 0.26 it **still works**, but every call emits two `UserWarning`s and is translated into `weights=`: `pretrained=True` maps to the **oldest** set of weights (`IMAGENET1K_V1` for ResNet-50, not the better `DEFAULT = IMAGENET1K_V2`), and the warning says the argument "may be removed in the future". Below we use `pretrained=False` (no download) and print the warnings it raises:

# %%
# NBVAL_CHECK_OUTPUT
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    legacy = resnet18(pretrained=False)
for w in caught:
    print(f"{w.category.__name__}: {w.message}")

# %% [markdown]
# So: new code always writes `weights=...` (`weights=None` means random initialisation). `get_model("resnet18", weights="DEFAULT")` also accepts the name as a string.

# %% [markdown]
# ### A new head
#
# The last layer of a classifier fixes the number of classes. In a ResNet it is called `fc`. For a 3-class problem, either build the model with `num_classes=3` (only for random initialisation), or replace `fc` by a new `nn.Linear` (the way to go with pretrained weights, as the next section does).

# %%
# NBVAL_CHECK_OUTPUT
print("ImageNet head:", classifier.fc)
classifier.fc = nn.Linear(classifier.fc.in_features, 3)
print("new head:     ", classifier.fc)
print("output:", tuple(classifier(torch.zeros(2, 3, 64, 64)).shape))

# %% [markdown]
# ## 4. Transfer learning from the course's own checkpoint
#
# The idea of transfer learning: **features** learned on a task with plenty of data also help on a new task with little data. The recipe always has three steps:
#
# 1. load a model trained on the old task (a checkpoint);
# 2. **freeze** the feature layers (`requires_grad_(False)`) so they no longer change;
# 3. put on a new **head** and train only the head.
#
# ImageNet weights need a download, so here we use a model the course trains itself. Chapter 09 trains a complete model on scikit-learn's bundled handwritten digits; to keep this chapter self-contained we first train a small CNN in a few seconds (the old task: recognise 0–9) and save it as a checkpoint.

# %%
class DigitCNN(nn.Module):
    """A small CNN for 8x8 digits: a feature extractor and a linear head."""

    def __init__(self, num_classes=10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # 16 x 4 x 4
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # 32 x 2 x 2
            nn.Flatten(),  # 128 features
        )
        self.head = nn.Linear(128, num_classes)

    def forward(self, x):
        return self.head(self.features(x))


train_set, val_set, test_set = digits_datasets()
loss_fn = nn.CrossEntropyLoss()
torch.manual_seed(0)
source_model = DigitCNN(10).to(device)
history = fit(source_model, DataLoader(train_set, batch_size=64, shuffle=True, generator=torch.Generator().manual_seed(0)),
              loss_fn, torch.optim.Adam(source_model.parameters(), lr=1e-2), epochs=8, device=device)
_, source_acc = evaluate(source_model, DataLoader(test_set, batch_size=512), loss_fn, device)
print(f"digits 0-9, test accuracy: {source_acc:.4f}")

checkpoint_dir = tempfile.TemporaryDirectory()  # a temporary folder, deleted at the end of this section
checkpoint_path = Path(checkpoint_dir.name) / "digit_cnn.pt"
torch.save({"model": source_model.state_dict(), "classes": list(range(10))}, checkpoint_path)

# %% [markdown]
# **The new task**: tell whether a digit is odd or even, from only 20 labelled images (2 of each digit). The test set is still the same 269 images, relabelled as odd or even.

# %%
# NBVAL_CHECK_OUTPUT
train_images, train_labels = train_set.tensors
few = torch.cat([torch.nonzero(train_labels == d).flatten()[:2] for d in range(10)])
few_shot = TensorDataset(train_images[few], train_labels[few] % 2)  # 0 = even, 1 = odd
test_images, test_labels = test_set.tensors
parity_test = TensorDataset(test_images, test_labels % 2)
print("training images:", len(few_shot), "| labels:", few_shot.tensors[1].tolist())
print("test images:", len(parity_test))

# %% [markdown]
# Load the checkpoint (`weights_only=True` accepts only tensors and plain types, and never runs code stored in the file), freeze the feature layers and put on a new 2-class head:

# %%
checkpoint = torch.load(checkpoint_path, weights_only=True, map_location=device)
model = DigitCNN(10).to(device)
model.load_state_dict(checkpoint["model"])
model.features.requires_grad_(False)  # frozen: the feature layers' parameters get no gradients
model.head = nn.Linear(128, 2).to(device)  # a new head, requires_grad=True by default


def count_parameters(m):
    trainable = sum(p.numel() for p in m.parameters() if p.requires_grad)
    return trainable, sum(p.numel() for p in m.parameters())


print("trainable / all parameters: {} / {}".format(*count_parameters(model)))
_, acc_before = evaluate(model, DataLoader(parity_test, batch_size=512), loss_fn, device)
print(f"even/odd accuracy before fine-tuning (random head): {acc_before:.4f}")

# %% [markdown]
# Only the **new head's parameters** go to the optimizer (the frozen ones have no gradients, so the optimizer would not change them anyway, but there is no point in passing them). This model has no BatchNorm or Dropout; if it had, the frozen part would usually stay in `eval()` mode as well, or BatchNorm would keep updating its statistics on the new data.

# %%
few_loader = DataLoader(few_shot, batch_size=len(few_shot), shuffle=True)
features_before = model.features[0].weight.detach().clone()
transfer_history = fit(model, few_loader, loss_fn, torch.optim.Adam(model.head.parameters(), lr=1e-2), epochs=60,
                       device=device)
_, acc_transfer = evaluate(model, DataLoader(parity_test, batch_size=512), loss_fn, device)
print(f"after fine-tuning the head: {acc_transfer:.4f}")
print("frozen features unchanged:", torch.equal(model.features[0].weight, features_before))

# %% [markdown]
# For comparison: the same network on the same 20 images, trained from random parameters, all of them:

# %%
torch.manual_seed(0)
scratch = DigitCNN(2).to(device)
scratch_history = fit(scratch, few_loader, loss_fn, torch.optim.Adam(scratch.parameters(), lr=1e-2), epochs=60,
                      device=device)
_, acc_scratch = evaluate(scratch, DataLoader(parity_test, batch_size=512), loss_fn, device)
print(f"trainable parameters: {count_parameters(scratch)[0]}")
print(f"from scratch: {acc_scratch:.4f}")

# %%
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.8))
ax1.plot(transfer_history["train_loss"], label="frozen features + new head")
ax1.plot(scratch_history["train_loss"], label="from scratch")
ax1.set_xlabel("epoch")
ax1.set_ylabel("training loss (20 images)")
ax1.legend()
names = ["random head", "frozen features\n+ new head", "from scratch"]
accuracies = [acc_before, acc_transfer, acc_scratch]
ax2.bar(names, accuracies, color=["gray", "tab:blue", "tab:orange"])
for i, acc in enumerate(accuracies):
    ax2.text(i, acc + 0.01, f"{acc:.3f}", ha="center")
ax2.set_ylim(0, 1.05)
ax2.set_ylabel("even/odd test accuracy")
fig.tight_layout()
plt.show()

# %% [markdown]
# Both models learn the 20 training images (both training losses approach 0), but on test images they have never seen, the model that borrows the old features does better: its features were learned from more than a thousand images, while the model trained from scratch can only look for patterns in 20. The less data you have, the more transfer helps.
#
# Transfer learning from a ResNet pretrained on ImageNet follows exactly the same steps: `resnet18(weights=ResNet18_Weights.DEFAULT)`, freeze every parameter except `fc`, replace `fc` by a new `nn.Linear`, and preprocess with `weights.transforms()`.

# %%
checkpoint_dir.cleanup()

# %% [markdown]
# ## 5. Detection and segmentation tools
#
# `torchvision.ops` holds the basic operations of detection. Boxes use the `XYXY` format by default (top-left and bottom-right corners).
#
# ### 5.1 Area, IoU and box formats
#
# **IoU** (intersection over union) measures how much two boxes overlap: the area of the intersection divided by the area of the union, 0 for disjoint boxes and 1 for identical ones. `box_iou(a, b)` computes the IoU of every box in `a` with every box in `b` at once, an `N × M` matrix.

# %%
# NBVAL_CHECK_OUTPUT
from torchvision.ops import box_area, box_convert, box_iou, masks_to_boxes, nms

a = torch.tensor([[0.0, 0.0, 10.0, 10.0], [5.0, 5.0, 15.0, 15.0]])
b = torch.tensor([[0.0, 0.0, 10.0, 10.0], [5.0, 0.0, 15.0, 10.0], [20.0, 20.0, 30.0, 30.0]])
print("areas of a:", box_area(a))
print("IoU matrix (2 x 3):")
print(box_iou(a, b))

# %% [markdown]
# Check the first row, second column by hand: `[0,0,10,10]` and `[5,0,15,10]` intersect in `[5,0,10,10]`, area 50; the union is 100 + 100 − 50 = 150; IoU = 50/150 = 1/3. The third box overlaps nothing, IoU 0.
#
# Datasets and models use different formats: `XYXY` (torchvision), `XYWH` (COCO annotations: top-left corner plus width and height), `CXCYWH` (YOLO, DETR: centre plus width and height). `box_convert` converts between them:

# %%
# NBVAL_CHECK_OUTPUT
xyxy = torch.tensor([[10.0, 20.0, 50.0, 40.0]])
print("xyxy:  ", xyxy)
print("xywh:  ", box_convert(xyxy, "xyxy", "xywh"))
print("cxcywh:", box_convert(xyxy, "xyxy", "cxcywh"))
print("back:  ", box_convert(box_convert(xyxy, "xyxy", "cxcywh"), "cxcywh", "xyxy"))

# %% [markdown]
# Given masks, `masks_to_boxes` computes the box around each mask. It returns the coordinates of the last pixel (inclusive), 1 less than the shapes dataset's pixel-edge convention:

# %%
# NBVAL_CHECK_OUTPUT
image, target = shapes[1]
print("masks_to_boxes:      ", masks_to_boxes(target["masks"]).tolist())
print("dataset boxes:       ", target["boxes"].as_subclass(torch.Tensor).tolist())

# %% [markdown]
# ### 5.2 Non-maximum suppression (NMS)
#
# A detection model proposes many overlapping boxes for the same object. **NMS** keeps only the best one: go through the boxes from the highest score down, keep the current best box, remove every remaining box whose IoU with it is **greater** than the threshold, and repeat with what is left. `nms` returns the indices of the kept boxes, in decreasing order of score.

# %%
# NBVAL_CHECK_OUTPUT
candidates = torch.tensor([
    [10.0, 10.0, 50.0, 50.0],  # object A
    [13.0, 12.0, 52.0, 53.0],  # object A, slightly shifted
    [8.0, 9.0, 47.0, 48.0],  # object A, shifted a bit more
    [60.0, 20.0, 95.0, 55.0],  # object B
    [63.0, 18.0, 97.0, 52.0],  # object B, slightly shifted
])
scores = torch.tensor([0.80, 0.95, 0.60, 0.70, 0.85])
keep = nms(candidates, scores, iou_threshold=0.5)
print("IoU with the best box:", box_iou(candidates[1:2], candidates)[0])
print("kept indices:", keep.tolist(), "scores:", [round(s, 2) for s in scores[keep].tolist()])

# %%
fig, axes = plt.subplots(1, 2, figsize=(9, 4.4))
for ax, indices, title in ((axes[0], range(len(candidates)), "before NMS"), (axes[1], keep.tolist(), "after NMS")):
    for i in indices:
        x1, y1, x2, y2 = candidates[i].tolist()
        ax.add_patch(plt.Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False, lw=2, color=f"C{i}",
                                   label=f"box {i}, score {scores[i]:.2f}"))
    ax.legend(loc="lower center", ncol=2, fontsize=8)
    ax.set_xlim(0, 105)
    ax.set_ylim(100, 0)  # image coordinates: y points down (room for the legend at the bottom)
    ax.set_aspect("equal")
    ax.set_title(title)
fig.tight_layout()
plt.show()

# %% [markdown]
# Detection models run NMS separately for each class (overlapping boxes of different classes should not remove each other); that is what `batched_nms(boxes, scores, labels, iou_threshold)` does.

# %% [markdown]
# ### 5.3 Drawing boxes and masks
#
# `draw_bounding_boxes(image, boxes, labels=..., colors=...)` and `draw_segmentation_masks(image, masks, alpha=...)` both take a `uint8` image of shape `(3, H, W)` and return a new image (a tensor too) with the drawing on it, ready to show or save.

# %%
enlarge = v2.Resize(192, interpolation=v2.InterpolationMode.NEAREST)  # enlarge 3 times before drawing, so the text is not crowded
fig, axes = plt.subplots(2, 4, figsize=(10, 5.4))
for col, index in enumerate([3, 8, 16, 17]):
    image, target = enlarge(*shapes[index])
    boxed = draw_bounding_boxes(image, target["boxes"], labels=[CLASSES[j] for j in target["labels"]],
                                colors="yellow", width=2)
    axes[0, col].imshow(boxed.permute(1, 2, 0))
    axes[0, col].set_title(f"draw_bounding_boxes #{index}", fontsize=9)
    masked = draw_segmentation_masks(image, target["masks"], alpha=0.6,
                                     colors=["red", "lime", "cyan"][: len(target["masks"])])
    axes[1, col].imshow(masked.permute(1, 2, 0))
    axes[1, col].set_title(f"draw_segmentation_masks #{index}", fontsize=9)
for ax in axes.flat:
    ax.axis("off")
fig.tight_layout()
plt.show()

# %% [markdown]
# **Instance segmentation** gives every object its own mask (the shapes dataset's `masks`, `N × H × W`); **semantic segmentation** gives every pixel just a class (`H × W`) and does not tell apart two objects of the same class. torchvision's semantic segmentation models (`deeplabv3_*`, `fcn_*`, `lraspp_*`) output scores of shape `(batch, classes, H, W)`; an `argmax` over the class dimension gives such a class map. From instance masks it takes one line:

# %%
# NBVAL_CHECK_OUTPUT
image, target = shapes[8]
semantic = (target["masks"] * target["labels"][:, None, None]).amax(dim=0)  # 0 = background
print("semantic map:", tuple(semantic.shape), semantic.dtype, "| pixels per class:",
      torch.bincount(semantic.flatten(), minlength=len(CLASSES)).tolist())

# %% [markdown]
# ### 5.4 A detection model: Faster R-CNN
#
# Detection models have a different interface from classifiers:
#
# * the input is a **list of images** (each may have its own size) with values in 0–1; the model resizes and normalises them itself;
# * in **training mode** you also pass a list of targets (one dict per image, with `boxes` and `labels`), and the model returns a **dict of losses**;
# * in **eval mode** you pass only images and get one dict per image back: `boxes`, `labels`, `scores`.
#
# We use `fasterrcnn_mobilenet_v3_large_fpn` with `weights=None, weights_backbone=None` (nothing is downloaded) and `num_classes=4` (background + 3 shapes). To run in a few seconds on a CPU, the model enlarges the images to 128 (its smallest anchor boxes are 32 pixels, too big for the shapes in a 64-pixel image) and keeps fewer candidate boxes.

# %%
from torchvision.models.detection import fasterrcnn_mobilenet_v3_large_fpn

torch.manual_seed(0)
detector = fasterrcnn_mobilenet_v3_large_fpn(
    weights=None, weights_backbone=None, num_classes=len(CLASSES),
    min_size=128, max_size=128,  # the model resizes the images to 128 x 128 internally
    rpn_pre_nms_top_n_train=200, rpn_post_nms_top_n_train=100,  # candidate boxes kept per image (default 2000 in training)
    rpn_pre_nms_top_n_test=200, rpn_post_nms_top_n_test=100,  # in eval mode (default 1000)
    rpn_batch_size_per_image=64, box_batch_size_per_image=32,  # samples per image used in the losses (default 256 and 512)
).to(device)
print(f"parameters: {sum(p.numel() for p in detector.parameters()):,}")

# %% [markdown]
# The training data: the shapes dataset with random horizontal flips, scaled to 0–1 by `ToDtype`. A detection batch cannot be `stack`ed into one tensor (every image has its own number of boxes), so `collate_detection` keeps images and targets in lists.

# %%
# NBVAL_CHECK_OUTPUT
train_transforms = v2.Compose([v2.RandomHorizontalFlip(), v2.ToDtype(torch.float32, scale=True)])
det_train = ShapesDataset(48, seed=1, transforms=train_transforms)
det_loader = DataLoader(det_train, batch_size=4, shuffle=True, collate_fn=collate_detection,
                        generator=torch.Generator().manual_seed(0))
images, targets = next(iter(det_loader))
print(len(images), "images", tuple(images[0].shape), images[0].dtype, "| keys of a target:", sorted(targets[0]))

detector.train()
losses = detector([img.to(device) for img in images],
                  [{"boxes": t["boxes"].to(device), "labels": t["labels"].to(device)} for t in targets])
print({name: type(value).__name__ for name, value in losses.items()})

# %% [markdown]
# Four losses: the RPN's (region proposal network's) "is there an object" (`loss_objectness`) and its box regression (`loss_rpn_box_reg`), then the second stage's classification (`loss_classifier`) and box regression (`loss_box_reg`). Training adds them up and backpropagates the sum:

# %%
torch.manual_seed(0)
optimizer = torch.optim.SGD([p for p in detector.parameters() if p.requires_grad], lr=0.02, momentum=0.9,
                            weight_decay=1e-4)
loss_history = {"total": []}
detector.train()
for _, (images, targets) in zip(range(10), det_loader):
    images = [img.to(device) for img in images]
    targets = [{"boxes": t["boxes"].to(device), "labels": t["labels"].to(device)} for t in targets]
    losses = detector(images, targets)
    loss = sum(losses.values())
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    loss_history["total"].append(loss.item())
    for name, value in losses.items():
        loss_history.setdefault(name, []).append(value.item())

# %% [markdown]
# The loss of the first step depends only on the seed and the initial parameters, so it can be compared exactly. Every later step picks candidate boxes (sorting by score, NMS); the last digits of the scores can differ between CPUs and then different boxes get picked, so for the later steps we only compare the trend (the curve is plotted below):

# %%
print("step 1:", {name: round(values[0], 2) for name, values in loss_history.items()})
first_three, last_three = loss_history["total"][:3], loss_history["total"][-3:]
print("mean total loss of the last 3 steps < of the first 3 steps:", sum(last_three) < sum(first_three))

# %%
fig, ax = plt.subplots(figsize=(7, 3.8))
for name, values in loss_history.items():
    ax.plot(range(1, len(values) + 1), values, marker="o" if name == "total" else ".", label=name)
ax.set_xlabel("step")
ax.set_ylabel("loss")
ax.set_title("Faster R-CNN on shapes, 10 steps from random weights")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# The classification loss falls fastest (the model first learns that most candidate boxes are background). Ten steps are nowhere near enough: good detections take thousands of steps, usually starting from a pretrained backbone (`weights_backbone=MobileNet_V3_Large_Weights.DEFAULT`, which needs a download).
#
# The output in **eval mode**: one dict per image. The model detects on the image resized to 128 and maps the boxes **back to the original image's coordinates**. Boxes scoring below `box_score_thresh` (default 0.05) are dropped, and at most `box_detections_per_img` (default 100) are kept per image. Here we set the threshold to 0 and keep at most 5, just to see the format:

# %%
# NBVAL_CHECK_OUTPUT
detector.eval()
detector.roi_heads.score_thresh = 0.0
detector.roi_heads.detections_per_img = 5
uint8_image, test_target = ShapesDataset(4, seed=99)[0]
test_image = v2.ToDtype(torch.float32, scale=True)(uint8_image)
with torch.no_grad():
    predictions = detector([test_image.to(device)])
print(type(predictions).__name__, "of", len(predictions), "dict")
for name, value in predictions[0].items():
    print(f"{name:7} {tuple(value.shape)} {value.dtype}")
print("boxes inside the 64 x 64 image:", bool((predictions[0]["boxes"] >= 0).all() and (predictions[0]["boxes"] <= 64).all()))

# %%
# NBVAL_IGNORE_OUTPUT
# the scores and boxes depend on the training above, whose last digits can differ between CPUs
print("labels:", predictions[0]["labels"].tolist())
print("scores:", [round(s, 2) for s in predictions[0]["scores"].tolist()])

# %%
predicted = {
    "boxes": tv_tensors.BoundingBoxes(predictions[0]["boxes"].cpu(), format="XYXY", canvas_size=(64, 64)),
    "labels": predictions[0]["labels"].cpu(),
}
fig, axes = plt.subplots(1, 2, figsize=(7, 3.8))
axes[0].imshow(draw_target(uint8_image, test_target))
axes[0].set_title("ground truth", fontsize=10)
axes[1].imshow(draw_target(uint8_image, predicted, colors="yellow"))
axes[1].set_title("top 5 predictions after 10 steps", fontsize=10)
for ax in axes:
    ax.axis("off")
fig.tight_layout()
plt.show()

# %% [markdown]
# The predictions come in exactly the format `draw_bounding_boxes` takes. For instance segmentation, switch to `maskrcnn_resnet50_fpn`: its training targets also hold `masks` (the shapes dataset provides them), and its eval output has an extra `masks` entry (probabilities of shape `N × 1 × H × W`).
#
# ## Summary
#
# * `torchvision.datasets`: downloads behind the switch; `FakeData` to get a pipeline running; `ImageFolder` for one folder per class (numbered alphabetically).
# * `transforms.v2`: start with `ToImage()`, end with `ToDtype(torch.float32, scale=True)` and `Normalize`; seed before random transforms. Wrap annotations in `tv_tensors.BoundingBoxes` / `Mask` and pass them with the image, or they will not follow it; add `SanitizeBoundingBoxes` after crops.
# * Models: `weights=<enum>` (or `None`); `weights.meta` and `weights.transforms()` need no download; `pretrained=` is deprecated: it still works for now, but warns, and `pretrained=True` picks the oldest weights.
# * Transfer learning: load a checkpoint → freeze the feature layers → new head → train only the head.
# * Detection: `box_iou`, `nms`/`batched_nms`, `box_convert`, `masks_to_boxes`; detection models return a dict of losses in training and `boxes`/`labels`/`scores` in eval mode.
#
# The exercises are in `exercises/en/10_torchvision.ipynb`: write IoU, NMS and a box-format conversion by hand, build a transform pipeline that keeps boxes aligned, and freeze a backbone for transfer learning.

# %% [markdown]
# <!-- navigation: generated by `course exercises` -->
# **Next:** [the exercises of this chapter: 10_torchvision](../../exercises/en/10_torchvision.ipynb) · [the next chapter: 11_text](11_text.ipynb)
