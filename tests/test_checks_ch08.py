"""Chapter 08's checks catch the typical wrong answers with specific hints."""

import torch
from torch.nn.utils.rnn import pad_sequence
from torch.utils.data import DataLoader, Dataset, random_split

from course_utils.checks import evaluate

# ---------------------------------------------------------------- 08.1


class GoodDataset(Dataset):
    def __init__(self, images, labels, transform=None):
        self.images, self.labels, self.transform = images, labels, transform

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, index):
        image = self.images[index]
        if self.transform is not None:
            image = self.transform(image)
        return image, int(self.labels[index])


class OffByOne(GoodDataset):
    def __len__(self):
        return len(self.labels) - 1


class FloatLabel(GoodDataset):
    def __getitem__(self, index):
        image, label = super().__getitem__(index)
        return image, torch.tensor(label, dtype=torch.float32)


class TensorLabel(GoodDataset):
    def __getitem__(self, index):
        return super().__getitem__(index)[0], self.labels[index]


class NoTransform(GoodDataset):
    def __getitem__(self, index):
        return self.images[index], int(self.labels[index])


class InPlace(GoodDataset):
    def __getitem__(self, index):
        image = self.images[index]
        if self.transform is not None:
            image.mul_(2).add_(1)
        return image, int(self.labels[index])


def test_dataset():
    assert evaluate("08.1", GoodDataset, "en")[0] == "pass"
    assert evaluate("08.1", TensorLabel, "en")[0] == "pass"  # an int64 0-d tensor is fine too
    status, message = evaluate("08.1", OffByOne, "en")
    assert status == "fail" and "off-by-one" in message
    status, message = evaluate("08.1", OffByOne, "zh")
    assert status == "fail" and "差了一个" in message
    status, message = evaluate("08.1", FloatLabel, "en")
    assert status == "fail" and "torch.float32 tensor" in message and "class indices" in message
    status, message = evaluate("08.1", NoTransform, "en")
    assert status == "fail" and "without the transform" in message
    status, message = evaluate("08.1", InPlace, "en")
    assert status == "fail" and "in place" in message


# ---------------------------------------------------------------- 08.2


def good_collate(batch):
    sequences = [s for s, _ in batch]
    lengths = torch.tensor([len(s) for s in sequences])
    return pad_sequence(sequences, batch_first=True), lengths, torch.tensor([y for _, y in batch])


def global_max_collate(batch, max_len=15):
    padded = torch.zeros(len(batch), max_len)
    for row, (s, _) in enumerate(batch):
        padded[row, : min(len(s), max_len)] = s[:max_len]
    return padded, torch.tensor([len(s) for s, _ in batch]), torch.tensor([y for _, y in batch])


def test_pad_collate():
    assert evaluate("08.2", good_collate, "en")[0] == "pass"
    status, message = evaluate("08.2", global_max_collate, "en")
    assert status == "fail" and "longest sequence of the BATCH" in message
    status, message = evaluate("08.2", global_max_collate, "zh")
    assert status == "fail" and "本批" in message
    status, message = evaluate("08.2", lambda batch: good_collate(batch)[::2], "en")
    assert status == "fail" and "Without the lengths" in message
    status, message = evaluate(
        "08.2", lambda b: (pad_sequence([s for s, _ in b]), *good_collate(b)[1:]), "en"
    )
    assert status == "fail" and "batch_first=True" in message

    def lengths_after_padding(batch):
        padded, _, labels = good_collate(batch)
        return padded, torch.tensor([len(row) for row in padded]), labels

    status, message = evaluate("08.2", lengths_after_padding, "en")
    assert status == "fail" and "after padding" in message
    status, message = evaluate("08.2", lambda b: (good_collate(b)[0], [len(s) for s, _ in b], good_collate(b)[2]), "en")
    assert status == "fail" and "int64 tensor" in message


# ---------------------------------------------------------------- 08.3


def good_weights(labels):
    return (1.0 / torch.bincount(labels).double())[labels]


def test_sample_weights():
    assert evaluate("08.3", good_weights, "en")[0] == "pass"
    status, message = evaluate("08.3", lambda labels: 1.0 / torch.bincount(labels).double().clamp(min=1), "en")
    assert status == "fail" and "one weight per SAMPLE" in message
    status, message = evaluate("08.3", lambda labels: 1.0 / torch.bincount(labels).double().clamp(min=1), "zh")
    assert status == "fail" and "每个**样本**一个权重" in message
    status, message = evaluate("08.3", lambda labels: torch.bincount(labels).double()[labels], "en")
    assert status == "fail" and "Invert them" in message
    status, message = evaluate("08.3", lambda labels: torch.ones(len(labels)), "en")
    assert status == "fail" and "uniform sampling" in message


# ---------------------------------------------------------------- 08.4


def good_loader(dataset, batch_size, seed):
    return DataLoader(dataset, batch_size=batch_size, shuffle=True, generator=torch.Generator().manual_seed(seed))


def global_seed_loader(dataset, batch_size, seed):
    torch.manual_seed(seed)
    return DataLoader(dataset, batch_size=batch_size, shuffle=True)


def test_make_loader():
    state = torch.get_rng_state()
    assert evaluate("08.4", good_loader, "en")[0] == "pass"
    status, message = evaluate("08.4", global_seed_loader, "en")
    assert status == "fail" and "draws its shuffling seed from the global RNG" in message
    assert torch.equal(state, torch.get_rng_state())  # the checker leaves the caller's random state alone
    status, message = evaluate(
        "08.4", lambda d, b, s: DataLoader(d, batch_size=b, shuffle=True, generator=torch.manual_seed(s)), "en"
    )
    assert status == "fail" and "returns the GLOBAL generator" in message
    status, message = evaluate("08.4", lambda d, b, s: DataLoader(d, batch_size=b), "en")
    assert status == "fail" and "does not shuffle" in message
    status, message = evaluate(
        "08.4", lambda d, b, s: DataLoader(d, batch_size=b, shuffle=True, generator=torch.Generator()), "en"
    )
    assert status == "fail" and "seed argument is not used" in message
    status, message = evaluate(
        "08.4",
        lambda d, b, s: DataLoader(d, batch_size=b, sampler=torch.randperm(len(d), generator=torch.Generator().manual_seed(s)).tolist()),
        "zh",
    )
    assert status == "fail" and "每个 epoch 的顺序都一样" in message


# ---------------------------------------------------------------- 08.5


def good_split(dataset, val_fraction, seed):
    return random_split(dataset, [1 - val_fraction, val_fraction], generator=torch.Generator().manual_seed(seed))


def test_split_train_val():
    assert evaluate("08.5", good_split, "en")[0] == "pass"
    status, message = evaluate("08.5", lambda d, f, s: random_split(d, [1 - f, f]), "en")
    assert status == "fail" and "Pass generator=torch.Generator().manual_seed(seed) to random_split" in message

    def global_seed_split(dataset, val_fraction, seed):
        torch.manual_seed(seed)
        return random_split(dataset, [1 - val_fraction, val_fraction])

    status, message = evaluate("08.5", global_seed_split, "en")
    assert status == "fail" and "changed the GLOBAL random state" in message

    def sliced(dataset, val_fraction, seed):
        cut = len(dataset) - int(len(dataset) * val_fraction)
        return torch.utils.data.Subset(dataset, range(cut)), torch.utils.data.Subset(dataset, range(cut, len(dataset)))

    status, message = evaluate("08.5", sliced, "en")
    assert status == "fail" and "contiguous slice" in message
    status, message = evaluate("08.5", lambda d, f, s: good_split(d, f, s)[::-1], "zh")
    assert status == "fail" and "顺序反了" in message


def test_stubs_are_not_done():
    def stub(*args):
        raise NotImplementedError

    class StubDataset(Dataset):
        def __init__(self, images, labels, transform=None):
            self.images, self.labels, self.transform = images, labels, transform

        def __len__(self):
            raise NotImplementedError

        def __getitem__(self, index):
            raise NotImplementedError

    assert evaluate("08.1", StubDataset, "en")[0] == "todo"
    assert all(evaluate(i, stub, "en")[0] == "todo" for i in ("08.2", "08.3", "08.4", "08.5"))
