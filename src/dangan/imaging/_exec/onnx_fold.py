"""PP-OCR's networks with their learnable affine steps folded into the convolutions beside
them and hardswish written as one operator, for ONNX Runtime.

The detector and recogniser (PP-OCRv4) are PP-LCNetV3 networks exported from Paddle: around
most convolutions lies a learnable affine step (``Mul`` by a scalar, ``Add`` of a scalar), and
hardswish is exported as four operators (``Add 3``, ``Clip 0..6``, ``Mul``, ``Div 6``; the
classifier has these too). ONNX Runtime's blocked (NCHWc) convolutions cannot carry a scalar
``Mul``/``Add`` or a ``Clip``, so each such step turns the whole activation back to the plain
layout and out again. Here an affine step after a convolution is folded into its weights and
bias (``W·s``, ``B·s + b``), one before a 1 × 1 convolution without padding into that one's
(``W·s``, ``B + b·ΣW``; before a padded convolution it stays: the padding would see ``b``), and
hardswish is written ``y · HardSigmoid(y)`` (α = 1/6, β = 0.5), which stays in the blocked
layout. The same function in another rounding: outputs move by about 10⁻⁵–10⁻⁴. An affine step
that is left (before a padded convolution) becomes a 1 × 1 depthwise convolution of its own
(weights ``s``, bias ``b`` for every channel), which ONNX Runtime runs in the blocked layout too:
no layout change out and back in around it, ≈ 5 % of the detector's and recogniser's CPU, and
the same outputs bit for bit (ONNX Runtime 1.32 on an AVX-512 CPU: the blocked kernel rounds
``x·s + b`` as the two operators did).

The models are read and written with the ``onnx`` package; the rewrite gives the same bytes
every time, and the session is made from those bytes: nothing is written to disk.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import onnx
from onnx import helper, numpy_helper


@dataclass(frozen=True)
class Folded:
    model: bytes
    affine: int  # affine steps folded into the convolution before them
    hardswish: int  # hardswish chains written as y · HardSigmoid(y)
    affine_after: int  # affine steps folded into the 1 × 1 convolution after them
    affine_depthwise: int  # affine steps before a padded convolution run as a 1 × 1
    # depthwise convolution


def _set(field: Any, values: list[str]) -> None:
    """Replace the strings of a node's repeated ``input`` / ``output`` field."""
    del field[:]
    field.extend(values)


def _plain_1x1(node: onnx.NodeProto, weights: np.ndarray) -> bool:
    """A convolution whose every output reads one input position, never padding."""
    if weights.ndim != 4 or weights.shape[2:] != (1, 1):
        return False
    for attr in node.attribute:
        if attr.name == "pads" and any(attr.ints):
            return False
        if attr.name == "auto_pad" and attr.s not in (b"", b"NOTSET", b"VALID"):
            return False
    return True


class _Graph:
    """A graph's nodes and float constants, rewritten in place."""

    def __init__(self, graph: onnx.GraphProto) -> None:
        self.graph = graph
        self.nodes: list[onnx.NodeProto] = list(graph.node)
        self.dropped: set[int] = set()  # positions in ``nodes``
        self.consts: dict[str, np.ndarray] = {}
        for n in self.nodes:
            if n.op_type == "Constant":
                for attr in n.attribute:
                    if attr.name == "value" and attr.type == onnx.AttributeProto.TENSOR:
                        self.consts[n.output[0]] = numpy_helper.to_array(attr.t)
        for init in graph.initializer:
            self.consts[init.name] = numpy_helper.to_array(init)
        self.outputs = {o.name for o in graph.output}
        self.users: dict[str, list[int]] = {}
        self._index()

    def _index(self) -> None:
        self.users = {}
        for i, n in enumerate(self.nodes):
            if i not in self.dropped:
                for name in n.input:
                    self.users.setdefault(name, []).append(i)

    def scalar(self, name: str) -> float | None:
        a = self.consts.get(name)
        return float(a.reshape(-1)[0]) if a is not None and a.size == 1 else None

    def only_user(self, name: str, op: str) -> int | None:
        u = self.users.get(name, [])
        if name in self.outputs or len(u) != 1 or self.nodes[u[0]].op_type != op \
                or u[0] in self.dropped:
            return None
        return u[0]

    def affine_of(self, mul: int, x: str) -> tuple[float, float, int] | None:
        """Node ``mul`` = x·s whose only user adds a scalar b: (s, b, that Add)."""
        m = self.nodes[mul]
        rest = [i for i in m.input if i != x]
        s = self.scalar(rest[0]) if len(rest) == 1 else None
        add = self.only_user(m.output[0], "Add") if s is not None else None
        if add is None or s is None:
            return None
        rest = [i for i in self.nodes[add].input if i != m.output[0]]
        b = self.scalar(rest[0]) if len(rest) == 1 else None
        return None if b is None else (s, b, add)

    def weights(self, conv: onnx.NodeProto) -> tuple[np.ndarray, np.ndarray] | None:
        if len(conv.input) < 2 or conv.input[1] not in self.consts:
            return None
        w = self.consts[conv.input[1]]
        if len(conv.input) == 2:
            return w, np.zeros(w.shape[0], np.float32)
        b = self.consts.get(conv.input[2])
        return None if b is None else (w, b)

    def set_weights(self, conv: onnx.NodeProto, x: str, w: np.ndarray, b: np.ndarray,
                    tag: str) -> None:
        wn, bn = f"{conv.output[0]}/{tag}_W", f"{conv.output[0]}/{tag}_B"
        self.consts[wn], self.consts[bn] = w, b
        self.graph.initializer.extend([
            numpy_helper.from_array(np.ascontiguousarray(w, np.float32), wn),
            numpy_helper.from_array(np.ascontiguousarray(b, np.float32), bn)])
        _set(conv.input, [x, wn, bn])

    def fold_after_conv(self) -> int:
        """Conv → ·s → +b becomes one Conv (W·s, B·s + b)."""
        done = 0
        for conv in self.nodes:
            mul = self.only_user(conv.output[0], "Mul") if conv.op_type == "Conv" else None
            affine = self.affine_of(mul, conv.output[0]) if mul is not None else None
            wb = self.weights(conv) if affine else None
            if mul is None or affine is None or wb is None:
                continue
            s, b, add = affine
            w, bias = wb
            _set(conv.output, [self.nodes[add].output[0]])
            self.set_weights(conv, conv.input[0], w * np.float32(s),
                             bias * np.float32(s) + np.float32(b), "folded")
            self.dropped |= {mul, add}
            done += 1
        self._index()
        return done

    def fold_hardswish(self) -> int:
        """y → +3 → Clip 0..6 → ·y → /6 becomes y · HardSigmoid(y)."""
        done = 0
        for i, a in enumerate(self.nodes):
            if (i in self.dropped or a.op_type != "Add" or len(a.input) != 2
                    or self.scalar(a.input[1]) != 3):
                continue
            y = a.input[0]
            ci = self.only_user(a.output[0], "Clip")
            clip = self.nodes[ci] if ci is not None else None
            if (ci is None or clip is None or len(clip.input) != 3
                    or self.scalar(clip.input[1]) != 0 or self.scalar(clip.input[2]) != 6):
                continue
            mi = self.only_user(clip.output[0], "Mul")
            mul = self.nodes[mi] if mi is not None else None
            if mul is None or sorted(mul.input) != sorted([y, clip.output[0]]):
                continue
            di = self.only_user(mul.output[0], "Div")
            div = self.nodes[di] if di is not None else None
            if div is None or len(div.input) != 2 or self.scalar(div.input[1]) != 6:
                continue
            gate = f"{div.output[0]}/hardsigmoid"
            a.op_type = "HardSigmoid"
            _set(a.input, [y])
            _set(a.output, [gate])
            a.attribute.extend([helper.make_attribute("alpha", 1.0 / 6.0),
                                helper.make_attribute("beta", 0.5)])
            _set(mul.input, [y, gate])
            _set(mul.output, [div.output[0]])
            self.dropped |= {ci, di}  # type: ignore[arg-type]
            done += 1
        self._index()
        return done

    def fold_before_1x1(self) -> int:
        """·s → +b → a 1 × 1 Conv without padding becomes that Conv (W·s, B + b·ΣW)."""
        done = 0
        for i, mul in enumerate(self.nodes):
            if i in self.dropped or mul.op_type != "Mul" or len(mul.input) != 2:
                continue
            x = next((n for n in mul.input if self.scalar(n) is None), "")
            affine = self.affine_of(i, x) if x else None
            add_out = self.nodes[affine[2]].output[0] if affine else ""
            ci = self.only_user(add_out, "Conv") if affine else None
            conv = self.nodes[ci] if ci is not None else None
            wb = self.weights(conv) if conv is not None else None
            if (affine is None or conv is None or wb is None
                    or conv.input[0] != add_out or not _plain_1x1(conv, wb[0])):
                continue
            s, b, add = affine
            w, bias = wb
            self.set_weights(conv, x, w * np.float32(s),
                             bias + np.float32(b) * w.sum(axis=(1, 2, 3), dtype=np.float32),
                             "folded_in")
            self.dropped |= {i, add}
            done += 1
        self._index()
        return done

    def affine_as_depthwise(self) -> int:
        """·s → +b whose every user is a convolution (a padded one: ``fold_before_1x1`` took
        the others) becomes a 1 × 1 depthwise Conv of weights s and bias b, the channels
        counted from the convolutions' weights (input channels = W's second axis × group)."""
        done = 0
        for i, mul in enumerate(self.nodes):
            if i in self.dropped or mul.op_type != "Mul" or len(mul.input) != 2:
                continue
            x = next((n for n in mul.input if self.scalar(n) is None), "")
            affine = self.affine_of(i, x) if x else None
            if affine is None:
                continue
            s, b, add = affine
            out = self.nodes[add].output[0]
            users = self.users.get(out, [])
            if out in self.outputs or not users:
                continue
            channels = set()
            for u in users:
                conv = self.nodes[u]
                wb = self.weights(conv) if conv.op_type == "Conv" else None
                group = next((a.i for a in conv.attribute if a.name == "group"), 1)
                if wb is None or wb[0].ndim != 4 or conv.input[0] != out:
                    channels.add(-1)
                else:
                    channels.add(int(wb[0].shape[1]) * int(group))
            if len(channels) != 1 or -1 in channels:
                continue
            c = channels.pop()
            wn, bn = f"{out}/depthwise_W", f"{out}/depthwise_B"
            w = np.full((c, 1, 1, 1), np.float32(s), np.float32)
            bias = np.full((c,), np.float32(b), np.float32)
            self.consts[wn], self.consts[bn] = w, bias
            self.graph.initializer.extend([numpy_helper.from_array(w, wn),
                                           numpy_helper.from_array(bias, bn)])
            mul.CopyFrom(helper.make_node(
                "Conv", [x, wn, bn], [out], name=f"{out}/depthwise", group=c,
                kernel_shape=[1, 1], strides=[1, 1], pads=[0, 0, 0, 0], dilations=[1, 1]))
            self.dropped.add(add)
            done += 1
        self._index()
        return done

    def finish(self) -> None:
        """The graph's nodes without the dropped ones, in their order."""
        kept = [n for i, n in enumerate(self.nodes) if i not in self.dropped]
        copies = []
        for n in kept:
            c = onnx.NodeProto()
            c.CopyFrom(n)
            copies.append(c)
        del self.graph.node[:]
        self.graph.node.extend(copies)


def fold(model: bytes, depthwise: bool = True) -> Folded:
    """``model`` (an ONNX file's bytes) with its affine steps and hardswish chains rewritten;
    ``depthwise`` False leaves the affine steps before padded convolutions as they are."""
    proto = onnx.load_from_string(model)
    graph = _Graph(proto.graph)
    affine = graph.fold_after_conv()
    hardswish = graph.fold_hardswish()
    affine_after = graph.fold_before_1x1()
    as_depthwise = graph.affine_as_depthwise() if depthwise else 0
    graph.finish()
    return Folded(proto.SerializeToString(), affine, hardswish, affine_after, as_depthwise)
