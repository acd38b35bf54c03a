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
# # 10 · torchvision：数据集、变换、模型、检测与分割
#
# 种子教材的组件表里，torchvision 只有一句话：“常用的数据集、模型结构和图像变换”。这一章把这句话展开成能运行的代码：
#
# 1. **数据集**：真正的下载代码（放在开关后面）、`FakeData`、从文件夹读图片的 `ImageFolder`，以及课程自己生成的“形状”数据集（带边框和掩码）；
# 2. **变换 v2**（`torchvision.transforms.v2`）：在一张真实照片上看每个变换做了什么，再看它们怎样让**边框和掩码跟着图片一起变**；
# 3. **模型**：`weights=` 接口、权重自带的元数据和预处理，以及已被弃用的 `pretrained=`；
# 4. **迁移学习**：从课程自己训练、保存的检查点出发，冻结特征层，换一个新的头，去做新任务；
# 5. **检测与分割工具**：`box_iou`、`nms`、`box_convert`、画框画掩码，最后训练一个小小的 Faster R-CNN 几步，看它的损失下降和输出格式。
#
# 整章离线运行：需要下载的东西都在 `COURSE_DOWNLOAD=1` 开关后面。

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

device = get_device()  # 有 GPU 用 GPU，否则用 CPU
# 本章的模型都很小：把每个运算拆给多个线程，协调的开销比省下的时间还多。
# 只用一个线程反而更快，而且结果与机器有几个核无关。
torch.set_num_threads(1)
print("torchvision", torchvision.__version__)

# %% [markdown]
# ## 1. 数据集
#
# ### 1.1 真实的数据集：下载代码写在开关后面
#
# `torchvision.datasets` 收录了几十个常用数据集（MNIST、CIFAR-10、ImageNet、COCO、VOC……）。它们都是 map 式的 `Dataset`：`ds[i]` 返回 `(图片, 标签)`，`transform=` 参数处理图片。大多数还能 `download=True` 自动下载。
#
# 课程默认离线，所以下载代码只在设置了 `COURSE_DOWNLOAD=1` 时运行（CIFAR-10 约 170 MB，存到这个文件夹下的 `course_output/`）：

# %%
print(offline_note("CIFAR-10"))
if downloads_enabled():
    cifar = torchvision.datasets.CIFAR10(root="course_output", train=True, download=True, transform=v2.ToImage())
    image, label = cifar[0]
    print(len(cifar), "images,", cifar.classes[label], tuple(image.shape))

# %% [markdown]
# ### 1.2 `FakeData`：形状对、内容随机
#
# 想先把数据管道和模型跑通、又不想下载时，`FakeData` 生成随机噪声图片和随机标签，形状和类别数由你指定。第 `i` 张图由种子 `i + random_offset` 生成（而且不改动全局的随机数状态），所以每次运行结果都一样。和其他数据集一样，它返回 PIL 图片，`v2.ToImage()` 把它变成张量：

# %%
# NBVAL_CHECK_OUTPUT
fake = torchvision.datasets.FakeData(size=100, image_size=(3, 32, 32), num_classes=10, transform=v2.ToImage())
image, label = fake[0]
print(len(fake), "images;", type(image).__name__, tuple(image.shape), image.dtype, "label", label)
batch_images, batch_labels = next(iter(DataLoader(fake, batch_size=8)))
print("one batch:", tuple(batch_images.shape), batch_labels.tolist())

# %% [markdown]
# ### 1.3 `ImageFolder`：一个类别一个子文件夹
#
# 自己的图片最常见的组织方式是“一个类别一个子文件夹”：
#
# ```
# root/circle/000.png
# root/square/000.png
# root/triangle/000.png
# ```
#
# `ImageFolder` 直接读这种结构。为了演示，我们先把课程的形状数据集里的图片存成 PNG，写进一个临时文件夹（每张图只有一个形状，类别就是子文件夹名）：

# %%
single = ShapesDataset(30, seed=7, max_shapes=1)
folder = tempfile.TemporaryDirectory()  # 临时文件夹，本节结束时删除
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
# 注意两点：
#
# * `ImageFolder` 按子文件夹名的**字母顺序**编号，从 0 开始。形状数据集自己的编号是 1、2、3（0 留给背景，检测模型需要这样）。同一种东西在两个地方编号不同，混用时要换算。
# * 文件格式由 PIL 负责读，PNG、JPEG 都行；`transform=` 把 PIL 图片变成模型要的张量。

# %%
folder.cleanup()

# %% [markdown]
# ### 1.4 课程的形状数据集
#
# 检测和分割需要比“一个标签”多得多的标注：每个物体的**边框**（bounding box）、**掩码**（mask，哪些像素属于它）和类别。真实的数据集（COCO 有十几 GB）没法随课程分发，所以课程自己生成一个：`course_utils.shapes.ShapesDataset`。每张 64×64 的图片里有 1 到 3 个圆、正方形或三角形，颜色、大小、位置随机，但由 `(seed, 下标)` 决定，所以同一个下标永远得到同一张图。
#
# 它返回的不是普通张量，而是 `tv_tensors`：`Image`、`BoundingBoxes`（带格式 `XYXY` 和画布大小）、`Mask`。正是这些类型让第 2 节的变换知道“这是边框，要跟着图片一起翻转”。

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
# 边框的约定是**像素边缘**：一个占据第 10 到第 19 列（含）的形状，`x1 = 10`、`x2 = 20`。形状可以相互遮挡：后画的盖住先画的，每个掩码只含这个形状**看得见的**像素，边框紧贴着掩码。

# %%
show_images([shapes[i][0] for i in range(16)],
            titles=[", ".join(CLASSES[j][:3] for j in shapes[i][1]["labels"]) for i in range(16)])
plt.show()

# %% [markdown]
# ## 2. 变换 v2
#
# `torchvision.transforms.v2` 是现在推荐的变换模块（旧的 `torchvision.transforms` 只处理图片）。v2 的变换可以接收 PIL 图片、普通张量或 `tv_tensors`，也可以**一次接收多个输入**：图片、边框、掩码、标签一起传进去，几何变换会对它们做同样的事。
#
# ### 2.1 在一张照片上
#
# matplotlib 自带几张示例图片，其中有一张人像照片（宽 512、高 600 像素的 JPEG），正好用来看变换的效果。第一步总是 `v2.ToImage()`：把 PIL 图片变成 `uint8` 的 `tv_tensors.Image`，形状 `(C, H, W)`。

# %%
# NBVAL_CHECK_OUTPUT
photo_path = cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)
with PILImage.open(photo_path) as pil_photo:
    print("PIL:", pil_photo.size, pil_photo.mode, "(width, height)")
    photo = v2.ToImage()(pil_photo)
print("tensor:", type(photo).__name__, tuple(photo.shape), photo.dtype)

# %% [markdown]
# 下面每个变换单独作用在这张照片上。带 `Random` 的变换每次调用都抽取新的随机参数，所以先用 `torch.manual_seed` 固定种子，结果才可重复：
#
# * `Resize(128)`：把**短边**缩放到 128，保持长宽比；`Resize((128, 128))` 则会拉伸成正方形；
# * `RandomResizedCrop(128, scale=(0.2, 1.0))`：随机裁一块（面积占原图 20%–100%，长宽比也随机），再缩放到 128×128，训练分类模型最常用的增强；
# * `ColorJitter`：随机改变亮度、对比度、饱和度和色调；
# * `RandomRotation(30)`：在 ±30° 之间随机旋转，角落用 0（黑色）填充。

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
# 同一个随机变换，每次调用结果都不同，这正是数据增强想要的：模型每个 epoch 看到的都是“新”图片。

# %%
torch.manual_seed(0)
augment = v2.Compose([v2.RandomResizedCrop(96, scale=(0.3, 1.0)), v2.RandomHorizontalFlip(),
                      v2.ColorJitter(brightness=0.4, contrast=0.4, saturation=0.4)])
show_images([augment(small_photo) for _ in range(8)], titles=[f"call {i + 1}" for i in range(8)], ncols=8)
plt.show()

# %% [markdown]
# ### `ToDtype` 和 `Normalize`：给模型的数字
#
# 模型要的是浮点数。`ToDtype(torch.float32, scale=True)` 把 `uint8` 的 0–255 换成 0–1（`scale=False` 只改类型，数值还是 0–255，是个常见错误）。`Normalize(mean, std)` 再对每个通道做 `(x - mean) / std`。torchvision 在 ImageNet 上预训练的分类模型要求用 ImageNet 的均值和标准差，第 3 节会看到这些数字就记录在权重里。

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
# 归一化之后的数值有正有负，不能直接当图片显示（`imshow` 会把它截断到 0–1）。画图前要“反归一化”：`x * std + mean`。

# %% [markdown]
# ### 2.2 边框和掩码跟着图片一起变
#
# 对检测任务，翻转或裁剪图片时，边框和掩码必须做完全相同的变换，否则标注就对不上了。v2 的做法是把它们一起传进去：`transform(image, target)`。变换会认出 `BoundingBoxes` 和 `Mask` 这些类型，对它们做对应的事；`labels` 这种普通张量原样通过。
#
# 先看最简单的水平翻转：宽 64 的图片翻转后，`x` 变成 `64 - x`，`x1` 和 `x2` 互换。

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
# 再把几个变换组合起来，画出变换前后的边框和掩码。`draw_bounding_boxes` 和 `draw_segmentation_masks` 在第 5 节还会细讲。
#
# 裁剪可能把某个形状整个裁掉，留下一个宽或高为 0 的边框。`SanitizeBoundingBoxes` 放在管道最后，删除这种退化的边框，**连同它的标签和掩码**（它自动找 `"labels"` 键和 `Mask`）。

# %%
from torchvision.utils import draw_bounding_boxes, draw_segmentation_masks


def draw_target(image, target, colors="white", scale=3):
    """Masks overlaid and boxes drawn on a uint8 image, enlarged `scale` times, as (H, W, 3) for imshow."""
    # 先放大（最近邻插值，像素保持清晰），文字标签相对就小了；Resize 同样会移动边框和掩码
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
# 每个框都还在它的形状上。注意旋转那一列：变换只知道旧框的四个角，旋转后取的是这四个角的外接矩形，所以框比形状**大**了。有掩码时，可以从掩码重新算出紧的框（`masks_to_boxes`，见第 5 节）。

# %% [markdown]
# **一个常见的坑**：如果边框是普通的 `torch.Tensor`，而不是 `tv_tensors.BoundingBoxes`，变换根本不知道它是边框，会原样放过，图片翻转了，框却没动，而且不报错：

# %%
# NBVAL_CHECK_OUTPUT
image, target = shapes[1]
plain_target = {"boxes": target["boxes"].as_subclass(torch.Tensor), "labels": target["labels"]}
_, out_plain = v2.RandomHorizontalFlip(p=1.0)(image, plain_target)
_, out_typed = v2.RandomHorizontalFlip(p=1.0)(image, target)
print("plain tensor boxes:  ", out_plain["boxes"].tolist(), "<- not flipped!")
print("BoundingBoxes boxes: ", out_typed["boxes"].as_subclass(torch.Tensor).tolist())

# %% [markdown]
# 自己的数据集里，用 `tv_tensors.BoundingBoxes(boxes, format="XYXY", canvas_size=(H, W))` 和 `tv_tensors.Mask(masks)` 包装标注，就不会踩这个坑。

# %% [markdown]
# ## 3. 模型和 `weights=` 接口
#
# `torchvision.models` 里有一百多个模型：分类、检测、分割、视频、光流。`list_models()` 列出它们的名字，`get_model(name, ...)` 按名字创建。

# %%
# NBVAL_CHECK_OUTPUT
from torchvision import models

print("all models:", len(models.list_models()))
print("detection:", models.list_models(module=models.detection))
print("segmentation:", models.list_models(module=models.segmentation))
print("resnets:", models.list_models(include="resnet*"))

# %% [markdown]
# 检测模型就是上面这一家子：**Faster R-CNN**、**Mask R-CNN**（多了掩码）、**Keypoint R-CNN**（多了关键点）、**RetinaNet**、**SSD**、**SSDlite** 和 **FCOS**。种子教材说 torchvision 自带 YOLO，其实没有：YOLO 模型来自别的库，本章提到 YOLO，只是指它使用的边框格式。
#
# ### 权重是一个枚举
#
# 每个模型都有一个权重枚举，比如 `ResNet18_Weights`。`DEFAULT` 指向目前最好的那一套。枚举里除了下载地址，还有**元数据**（类别名、参数量、在 ImageNet 上的准确率）和这套权重需要的**预处理**。这些都写在 torchvision 的代码里，不需要下载：

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
# `weights.transforms()` 就是这套权重训练时用的预处理：短边缩放到 256、中心裁剪 224、缩放到 0–1、用 ImageNet 的均值和标准差归一化。用预训练模型时，照搬它，不要自己猜。
#
# 下载权重（ResNet-18 约 45 MB）放在开关后面。离线时用 `weights=None`：结构完全一样，参数是随机的，所以它的“预测”没有意义，但形状和流程都能演示：

# %%
print(offline_note("the pretrained ResNet-18 weights"))
if downloads_enabled():
    classifier = resnet18(weights=ResNet18_Weights.DEFAULT)
else:
    classifier = resnet18(weights=None)  # 同样的结构，随机参数
classifier.eval()  # 推理模式：BatchNorm 用保存的统计量
print(type(classifier).__name__, "in eval mode:", not classifier.training)

# %%
# NBVAL_CHECK_OUTPUT
batch = preprocess(photo).unsqueeze(0)  # (1, 3, 224, 224)，已经归一化
with torch.no_grad():
    logits = classifier(batch)
print("input:", tuple(batch.shape), "-> logits:", tuple(logits.shape))

# %%
# NBVAL_IGNORE_OUTPUT
# 随机参数时预测毫无意义；COURSE_DOWNLOAD=1 时才是真正的预测
probabilities = logits.softmax(dim=1)[0]
top = probabilities.topk(3)
for p, i in zip(top.values, top.indices):
    print(f"{weights.meta['categories'][i]:25} {p:.4f}")

# %% [markdown]
# ### `pretrained=` 已被弃用
#
# 很多旧教程写 `resnet18(pretrained=True)`。从 torchvision 0.13 起，这个参数就被弃用了。在 0.26 里它**仍然能用**，但每次都发出两条 `UserWarning`，并被翻译成 `weights=`：`pretrained=True` 对应的是**最老的那套权重**（ResNet-50 上是 `IMAGENET1K_V1`，而不是更好的 `DEFAULT = IMAGENET1K_V2`），并且警告说它“将来可能被移除”。下面用 `pretrained=False` 演示（不下载），把警告收集起来打印：

# %%
# NBVAL_CHECK_OUTPUT
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    legacy = resnet18(pretrained=False)
for w in caught:
    print(f"{w.category.__name__}: {w.message}")

# %% [markdown]
# 所以：新代码一律写 `weights=...`（`weights=None` 表示随机初始化）。`get_model("resnet18", weights="DEFAULT")` 也可以用字符串。

# %% [markdown]
# ### 换一个头
#
# 分类模型的最后一层决定了类别数。ResNet 的最后一层叫 `fc`：要做 3 类分类，要么创建时写 `num_classes=3`（只适合随机初始化），要么把 `fc` 换成一个新的 `nn.Linear`（预训练模型的做法，下一节就这样做）。

# %%
# NBVAL_CHECK_OUTPUT
print("ImageNet head:", classifier.fc)
classifier.fc = nn.Linear(classifier.fc.in_features, 3)
print("new head:     ", classifier.fc)
print("output:", tuple(classifier(torch.zeros(2, 3, 64, 64)).shape))

# %% [markdown]
# ## 4. 迁移学习：从课程自己的检查点出发
#
# 迁移学习的想法是：在一个数据多的任务上学到的**特征**，对一个数据少的新任务也有用。做法总是三步：
#
# 1. 加载在旧任务上训练好的模型（检查点）；
# 2. **冻结**特征层（`requires_grad_(False)`），它们不再更新；
# 3. 换一个新的**头**，只训练这个头。
#
# ImageNet 的权重需要下载，所以这里用课程自己训练的模型。第 09 章会在 scikit-learn 自带的手写数字上训练一个完整的模型；为了让这一章独立运行，我们先在几秒钟内训练一个小 CNN（旧任务：识别 0–9），把它存成检查点。

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

checkpoint_dir = tempfile.TemporaryDirectory()  # 临时文件夹，本节结束时删除
checkpoint_path = Path(checkpoint_dir.name) / "digit_cnn.pt"
torch.save({"model": source_model.state_dict(), "classes": list(range(10))}, checkpoint_path)

# %% [markdown]
# **新任务**：判断一个数字是奇数还是偶数，而且只有 20 张带标签的图片（每个数字 2 张）。测试集还是那 269 张图，只是标签换成了奇偶。

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
# 加载检查点（`weights_only=True`：只接受张量和基本类型，不执行文件里的任意代码），冻结特征层，换一个 2 类的新头：

# %%
checkpoint = torch.load(checkpoint_path, weights_only=True, map_location=device)
model = DigitCNN(10).to(device)
model.load_state_dict(checkpoint["model"])
model.features.requires_grad_(False)  # 冻结：特征层的参数不再有梯度
model.head = nn.Linear(128, 2).to(device)  # 新的头，默认 requires_grad=True


def count_parameters(m):
    trainable = sum(p.numel() for p in m.parameters() if p.requires_grad)
    return trainable, sum(p.numel() for p in m.parameters())


print("trainable / all parameters: {} / {}".format(*count_parameters(model)))
_, acc_before = evaluate(model, DataLoader(parity_test, batch_size=512), loss_fn, device)
print(f"even/odd accuracy before fine-tuning (random head): {acc_before:.4f}")

# %% [markdown]
# 只把**新头的参数**交给优化器（冻结的参数没有梯度，交给它也不会更新，但没必要）。模型里没有 BatchNorm 和 Dropout；有的话，冻结的部分通常还要保持 `eval()` 模式，否则 BatchNorm 的统计量还会被新数据改掉。

# %%
few_loader = DataLoader(few_shot, batch_size=len(few_shot), shuffle=True)
features_before = model.features[0].weight.detach().clone()
transfer_history = fit(model, few_loader, loss_fn, torch.optim.Adam(model.head.parameters(), lr=1e-2), epochs=60,
                       device=device)
_, acc_transfer = evaluate(model, DataLoader(parity_test, batch_size=512), loss_fn, device)
print(f"after fine-tuning the head: {acc_transfer:.4f}")
print("frozen features unchanged:", torch.equal(model.features[0].weight, features_before))

# %% [markdown]
# 对照：同样的网络、同样的 20 张图，从随机参数开始训练全部参数：

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
# 两个模型都把 20 张训练图片学会了（训练损失都降到接近 0），但在没见过的测试图片上，借用旧特征的模型更好：它的特征是在一千多张图片上学出来的，从头训练的模型只能从 20 张图片里找规律。数据越少，迁移的好处越大。
#
# 用 ImageNet 预训练的 ResNet 做迁移学习，步骤完全一样：`resnet18(weights=ResNet18_Weights.DEFAULT)`，冻结除 `fc` 以外的所有参数，把 `fc` 换成新的 `nn.Linear`，用 `weights.transforms()` 做预处理。

# %%
checkpoint_dir.cleanup()

# %% [markdown]
# ## 5. 检测与分割工具
#
# `torchvision.ops` 里有检测任务的基本运算。边框默认用 `XYXY` 格式（左上角和右下角）。
#
# ### 5.1 面积、IoU 和格式转换
#
# **IoU**（intersection over union，交并比）衡量两个框重叠了多少：交集面积 ÷ 并集面积，0 表示不相交，1 表示完全重合。`box_iou(a, b)` 一次算出 `a` 中每个框和 `b` 中每个框的 IoU，得到一个 `N × M` 矩阵。

# %%
# NBVAL_CHECK_OUTPUT
from torchvision.ops import box_area, box_convert, box_iou, masks_to_boxes, nms

a = torch.tensor([[0.0, 0.0, 10.0, 10.0], [5.0, 5.0, 15.0, 15.0]])
b = torch.tensor([[0.0, 0.0, 10.0, 10.0], [5.0, 0.0, 15.0, 10.0], [20.0, 20.0, 30.0, 30.0]])
print("areas of a:", box_area(a))
print("IoU matrix (2 x 3):")
print(box_iou(a, b))

# %% [markdown]
# 用第一行第二列验算：`[0,0,10,10]` 和 `[5,0,15,10]` 的交集是 `[5,0,10,10]`，面积 50；并集 100 + 100 − 50 = 150；IoU = 50/150 = 1/3。第三个框和谁都不相交，IoU 是 0。
#
# 不同的数据集和模型用不同的格式：`XYXY`（torchvision）、`XYWH`（COCO 标注：左上角加宽高）、`CXCYWH`（YOLO、DETR：中心加宽高）。`box_convert` 在它们之间转换：

# %%
# NBVAL_CHECK_OUTPUT
xyxy = torch.tensor([[10.0, 20.0, 50.0, 40.0]])
print("xyxy:  ", xyxy)
print("xywh:  ", box_convert(xyxy, "xyxy", "xywh"))
print("cxcywh:", box_convert(xyxy, "xyxy", "cxcywh"))
print("back:  ", box_convert(box_convert(xyxy, "xyxy", "cxcywh"), "cxcywh", "xyxy"))

# %% [markdown]
# 有掩码时，`masks_to_boxes` 算出包住每个掩码的框。它返回的是最后一个像素的坐标（含），比形状数据集的“像素边缘”约定小 1：

# %%
# NBVAL_CHECK_OUTPUT
image, target = shapes[1]
print("masks_to_boxes:      ", masks_to_boxes(target["masks"]).tolist())
print("dataset boxes:       ", target["boxes"].as_subclass(torch.Tensor).tolist())

# %% [markdown]
# ### 5.2 非极大值抑制（NMS）
#
# 检测模型会对同一个物体给出许多重叠的候选框。**NMS** 只留下最好的那个：按分数从高到低处理，保留当前最高分的框，删掉与它 IoU **大于**阈值的所有框，再处理剩下的。`nms` 返回保留下来的框的下标，按分数从高到低排列。

# %%
# NBVAL_CHECK_OUTPUT
candidates = torch.tensor([
    [10.0, 10.0, 50.0, 50.0],  # 物体 A
    [13.0, 12.0, 52.0, 53.0],  # 物体 A，稍微错开
    [8.0, 9.0, 47.0, 48.0],  # 物体 A，再错开一点
    [60.0, 20.0, 95.0, 55.0],  # 物体 B
    [63.0, 18.0, 97.0, 52.0],  # 物体 B，稍微错开
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
    ax.set_ylim(100, 0)  # 图像坐标：y 轴向下（下面留出图例的位置）
    ax.set_aspect("equal")
    ax.set_title(title)
fig.tight_layout()
plt.show()

# %% [markdown]
# 检测模型对每个类别分别做 NMS（不同类别的框重叠也不该互相删除），`batched_nms(boxes, scores, labels, iou_threshold)` 就是干这个的。

# %% [markdown]
# ### 5.3 画框和掩码
#
# `draw_bounding_boxes(image, boxes, labels=..., colors=...)` 和 `draw_segmentation_masks(image, masks, alpha=...)` 都接收 `uint8` 的 `(3, H, W)` 图片，返回画好的新图片（也是张量），可以直接显示或保存。

# %%
enlarge = v2.Resize(192, interpolation=v2.InterpolationMode.NEAREST)  # 放大 3 倍再画，文字不会太挤
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
# **实例分割**给每个物体一个掩码（形状数据集的 `masks`，`N × H × W`）；**语义分割**只给每个像素一个类别（`H × W`），不区分同类的不同物体。torchvision 的语义分割模型（`deeplabv3_*`、`fcn_*`、`lraspp_*`）输出 `(batch, 类别数, H, W)` 的分数，对类别维取 `argmax` 就得到这样一张类别图。从实例掩码得到它只要一行：

# %%
# NBVAL_CHECK_OUTPUT
image, target = shapes[8]
semantic = (target["masks"] * target["labels"][:, None, None]).amax(dim=0)  # 0 = background
print("semantic map:", tuple(semantic.shape), semantic.dtype, "| pixels per class:",
      torch.bincount(semantic.flatten(), minlength=len(CLASSES)).tolist())

# %% [markdown]
# ### 5.4 一个检测模型：Faster R-CNN
#
# 检测模型的接口和分类模型不同：
#
# * 输入是**图片的列表**（每张图大小可以不同），值在 0–1 之间；模型自己负责缩放和归一化；
# * **训练模式**下还要传入目标列表（每张图一个字典，含 `boxes` 和 `labels`），模型直接返回**损失的字典**；
# * **评估模式**下只传图片，返回每张图一个字典：`boxes`、`labels`、`scores`。
#
# 我们用 `fasterrcnn_mobilenet_v3_large_fpn`，`weights=None, weights_backbone=None`（不下载任何东西），`num_classes=4`（背景 + 3 种形状）。为了在 CPU 上几秒钟内跑完，把图片放大到 128（锚框最小是 32 像素，64 的图里形状太小），并减少候选框的数量。

# %%
from torchvision.models.detection import fasterrcnn_mobilenet_v3_large_fpn

torch.manual_seed(0)
detector = fasterrcnn_mobilenet_v3_large_fpn(
    weights=None, weights_backbone=None, num_classes=len(CLASSES),
    min_size=128, max_size=128,  # 模型内部把图片缩放到 128 x 128
    rpn_pre_nms_top_n_train=200, rpn_post_nms_top_n_train=100,  # 每张图保留的候选框（默认训练时 2000）
    rpn_pre_nms_top_n_test=200, rpn_post_nms_top_n_test=100,  # 评估时（默认 1000）
    rpn_batch_size_per_image=64, box_batch_size_per_image=32,  # 每张图用来算损失的样本数（默认 256 和 512）
).to(device)
print(f"parameters: {sum(p.numel() for p in detector.parameters()):,}")

# %% [markdown]
# 训练数据：形状数据集，加上水平翻转的增强，`ToDtype` 缩放到 0–1。检测的批次不能 `stack` 成一个张量（每张图的框数不同），所以用 `collate_detection` 把图片和目标各自放进列表。

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
# 四项损失：RPN（区域建议网络）的“有没有物体”（`loss_objectness`）和框的回归（`loss_rpn_box_reg`），以及第二阶段的分类（`loss_classifier`）和框的回归（`loss_box_reg`）。训练时把它们加起来反向传播：

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
# 第一步的损失只取决于种子和初始参数，可以精确比较。之后的每一步都要挑选候选框（按分数排序、NMS），分数的最后一位小数在不同的 CPU 上可能不同，挑出的框就可能不同，所以后面的数值只比较趋势（曲线画在下面）：

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
# 分类损失降得最快（模型先学会“大多数候选框是背景”）。10 步远远不够：要得到好的检测结果，需要几千步，而且通常从预训练的骨干网络开始（`weights_backbone=MobileNet_V3_Large_Weights.DEFAULT`，需要下载）。
#
# **评估模式**的输出：每张图一个字典。模型先把图片缩放到 128 做检测，再把框**换算回原图的坐标**。`box_score_thresh`（默认 0.05）以下的框被丢掉，每张图最多留 `box_detections_per_img` 个（默认 100）。这里把阈值设为 0、最多 5 个，只为看清格式：

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
# 分数和框取决于上面的训练，最后几位在不同的 CPU 上可能不同
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
# 预测的输出格式正好能直接交给 `draw_bounding_boxes`。要做实例分割，换成 `maskrcnn_resnet50_fpn`：训练目标里再加上 `masks`（形状数据集已经提供），评估输出里多一项 `masks`（`N × 1 × H × W` 的概率）。
#
# ## 小结
#
# * `torchvision.datasets`：下载放在开关后面；`FakeData` 先把管道跑通；`ImageFolder` 读“一类一个文件夹”（按字母顺序编号）。
# * `transforms.v2`：第一步 `ToImage()`，最后 `ToDtype(torch.float32, scale=True)` 和 `Normalize`；随机变换前固定种子。把标注包成 `tv_tensors.BoundingBoxes` / `Mask`，和图片一起传进去，它们才会跟着变；裁剪之后加 `SanitizeBoundingBoxes`。
# * 模型：`weights=枚举`（或 `None`）；`weights.meta` 和 `weights.transforms()` 不用下载；`pretrained=` 已弃用：暂时还能用，但会发出警告，而且 `pretrained=True` 换成的是最老的那套权重。
# * 迁移学习：加载检查点 → 冻结特征层 → 换头 → 只训练头。
# * 检测：`box_iou`、`nms`/`batched_nms`、`box_convert`、`masks_to_boxes`；检测模型训练时返回损失字典，评估时返回 `boxes`/`labels`/`scores`。
#
# 练习在 `exercises/zh/10_torchvision.ipynb`：亲手实现 IoU、NMS 和格式转换，写一个保持边框对齐的变换管道，并为迁移学习冻结一个骨干网络。

# %% [markdown]
# <!-- navigation: generated by `course exercises` -->
# **接下来：** [本章练习：10_torchvision](../../exercises/zh/10_torchvision.ipynb) · [下一章：11_text](11_text.ipynb)
