"""Any network's layers: outputs by module name, and their time geometry found by probing.

A layer's output sample ``i`` sees the input samples ``[i * stride + offset,
i * stride + offset + field)``. :func:`receptive_fields` finds ``field``,
``stride`` and ``offset`` for every requested layer of any PyTorch model by
asking which input samples change which output samples, so it needs no
knowledge of the architecture: strided, dilated (dense), padded, 2-D or 1-D
convolutions all work. Outputs whose field is cut by padding at the input's
edges see fewer samples than the others; they are marked invalid and the
analyses leave them out.

:func:`capture_outputs` runs a model once with forward hooks on named modules
(any depth, e.g. ``"block.conv"``) and returns their outputs as ``(batch,
units, time)``, units being every axis but the batch and time axes.
"""

from __future__ import annotations

import copy
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor, nn

from eegvis.models.dense import DilatedAvgPool, _as_tuple

# Probed geometry per model, by input size, layers and the model's structure (its repr,
# which shows strides and dilations): it does not depend on the weights.
_PROBED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
#: Size of the probing changes, in standard deviations of the random input.
_SPIKE = 1000.0
#: Modules whose outputs are analysed by default when a model lacks the paper's block outputs.
_UNIT_MODULES = (nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.Linear)


@dataclass(frozen=True)
class LayerGeometry:
    """Where a layer's output samples look in the input window.

    Attributes
    ----------
    field : int
        Input samples each valid output sample sees (its receptive field).
    stride : int
        Input samples between consecutive output samples.
    offset : int
        First input sample seen by output sample 0 (as if it were valid).
    n_outputs : int
        Output samples per input window.
    valid : slice
        The output samples whose field lies fully inside the input (all of them
        without padding).
    time_axis : int | None
        The output tensor's time axis; ``None`` when the layer has none (e.g.
        after flattening): then its single output sees the whole window.
    """

    field: int
    stride: int
    offset: int
    n_outputs: int
    valid: slice
    time_axis: int | None

    def starts(self) -> np.ndarray:
        """First input sample of each valid output sample."""
        return self.offset + self.stride * np.arange(self.n_outputs)[self.valid]


def default_layers(model: nn.Module, n_chans: int, n_times: int) -> list[str]:
    """Return the layers analysed when none are named.

    Parameters
    ----------
    model : nn.Module
        Any network.
    n_chans, n_times : int
        Its input; one forward pass of zeros finds the modules that run.

    Returns
    -------
    layers : list of str
        The model's ``analysed_layers`` when it has them (eegvis's Deep4Net: the
        paper's conv-pool block outputs and classifier,
        :data:`eegvis.models.BLOCK_OUTPUTS`; ShallowFBCSPNet:
        :data:`eegvis.models.SHALLOW_OUTPUTS`), else every convolution and linear module that
        runs in the forward pass (a module whose parent computes it fused, e.g.
        inside braindecode's ``CombinedConvolution``, does not), in registration
        order.
    """
    if getattr(model, "analysed_layers", None):
        return list(model.analysed_layers)
    names = dict(model.named_modules())
    param = next(model.parameters())
    with evaluating(model), _hooked(model, [name for name in names if name]) as ran:
        model(param.new_zeros((1, n_chans, n_times)))

    def computes_units(name: str, module: nn.Module) -> bool:
        if isinstance(module, _UNIT_MODULES):
            return True
        inner = [f"{name}.{child}" for child, m in module.named_modules() if child]
        convs = [child for child in inner if isinstance(names[child], _UNIT_MODULES)]
        return bool(convs) and not any(child in ran for child in convs)

    return [name for name, module in names.items() if name in ran and computes_units(name, module)]


def _modules(model: nn.Module, layers: Sequence[str]) -> dict[str, nn.Module]:
    names = dict(model.named_modules())
    unknown = [layer for layer in layers if layer not in names]
    if unknown:
        known = [name for name in names if name]
        raise KeyError(f"no such layers: {unknown}; the model's modules are {known}")
    return {layer: names[layer] for layer in layers}


@contextmanager
def evaluating(model: nn.Module) -> Iterator[None]:
    """Run the block with ``model`` in eval mode, without gradients.

    Every module's training flag is restored afterwards (also when the block raises).
    """
    modes = [(module, module.training) for module in model.modules()]
    model.eval()
    try:
        with torch.no_grad():
            yield
    finally:
        for module, training in modes:
            module.training = training


@contextmanager
def _hooked(model: nn.Module, layers: Sequence[str]) -> Iterator[dict[str, Tensor]]:
    """Collect the outputs of named modules while the block runs the model.

    A model that runs some modules fused (:attr:`eegvis.models.Deep4Net.fused_layers`)
    runs them one by one while one of them is captured.
    """
    outputs: dict[str, Tensor] = {}
    handles = []
    fused = getattr(model, "fuse_first_block", False) and set(layers) & set(
        getattr(model, "fused_layers", ())
    )
    if fused:
        model.fuse_first_block = False
    for name, module in _modules(model, layers).items():

        def keep(module: nn.Module, inputs: tuple, output: Tensor, name: str = name) -> None:
            outputs[name] = output

        handles.append(module.register_forward_hook(keep))
    try:
        yield outputs
    finally:
        for handle in handles:
            handle.remove()
        if fused:
            model.fuse_first_block = True


def _raw_outputs(model: nn.Module, x: Tensor, layers: Sequence[str]) -> dict[str, Tensor]:
    """Return the outputs of ``layers`` for input ``x`` (eval mode, no gradients), unchanged."""
    with evaluating(model), _hooked(model, layers) as outputs:
        model(x)
    missing = [layer for layer in layers if layer not in outputs]
    if missing:
        raise ValueError(f"layers {missing} did not run in the model's forward pass")
    return {layer: outputs[layer] for layer in layers}


def as_units_by_time(output: Tensor, time_axis: int | None) -> Tensor:
    """Lay out a layer's output as ``(batch, units, time)``.

    Parameters
    ----------
    output : Tensor
        A layer's output, batch first.
    time_axis : int | None
        Its time axis (:attr:`LayerGeometry.time_axis`); ``None`` gives one time sample.

    Returns
    -------
    units : Tensor, shape (batch, n_units, n_times)
        Every other axis flattened in C order into units.
    """
    if time_axis is None:
        return output.reshape(output.shape[0], -1, 1)
    return output.movedim(time_axis, -1).reshape(output.shape[0], -1, output.shape[time_axis])


def capture_outputs(
    model: nn.Module, x: Tensor, geometry: dict[str, LayerGeometry]
) -> dict[str, Tensor]:
    """Run the model once and return each layer's valid outputs as ``(batch, units, time)``.

    Parameters
    ----------
    model : nn.Module
        Any network; run in eval mode without gradients (flags restored after).
    x : Tensor, shape (batch, n_chans, n_times)
        Input windows, on the model's device and in its dtype.
    geometry : dict of str to LayerGeometry
        The layers, as from :func:`receptive_fields` for this input length.

    Returns
    -------
    outputs : dict of str to Tensor
        Per layer, ``(batch, n_units, n_valid)``.
    """
    raw = _raw_outputs(model, x, list(geometry))
    return {
        layer: as_units_by_time(raw[layer], shape.time_axis)[..., shape.valid]
        for layer, shape in geometry.items()
    }


def _time_axes(
    model: nn.Module, n_chans: int, n_times: int, layers: Sequence[str], like: Tensor
) -> dict[str, int | None]:
    """Find the axis of each layer's output whose length follows the input length."""
    longer = n_times + max(8, n_times // 2)
    base = _raw_outputs(model, like.new_zeros((1, n_chans, n_times)), layers)
    shapes = {n_times: {layer: out.shape for layer, out in base.items()}}
    with evaluating(model), _hooked(model, layers) as outputs:
        try:
            model(like.new_zeros((1, n_chans, longer)))
        except (RuntimeError, ValueError):  # e.g. a linear layer expecting a fixed length
            pass  # the layers before it have run
    shapes[longer] = {layer: out.shape for layer, out in outputs.items()}
    axes: dict[str, int | None] = {}
    for layer in layers:
        short, long = shapes[n_times][layer], shapes[longer].get(layer)
        if long is None or len(long) != len(short):  # e.g. a time axis of length 1 squeezed
            axes[layer] = None
            continue
        changed = [i for i, (a, b) in enumerate(zip(short, long, strict=True)) if a != b]
        if len(changed) > 1:
            raise ValueError(f"layer {layer!r}: more than one output axis follows the input length")
        axes[layer] = changed[0] if changed else None
    return axes


def receptive_fields(
    model: nn.Module,
    n_chans: int,
    n_times: int,
    layers: Sequence[str] | None = None,
    batch_size: int = 64,
    seed: int = 0,
    method: str = "auto",
) -> dict[str, LayerGeometry]:
    """Find each layer's receptive field, stride and offset by probing.

    A float64 copy of the model (eval mode; max pooling replaced by average
    pooling over the same windows, so that a change of any input in a window
    reaches its output) sees a random input and, for every
    input sample ``j``, the same input with sample ``j`` of every channel
    changed by a large random amount. Output sample ``i`` of a layer sees input
    sample ``j`` when any of its units changes. The field is the widest span of
    input samples seen by one output sample, the stride and offset follow from
    where the fields start; outputs seeing fewer samples (cut by padding) are
    invalid. The geometry depends on the model's structure, not on its
    weights: it is kept per model (and its ``repr``, which shows strides and
    dilations) and input size, and probed again only when these change.

    Parameters
    ----------
    model : nn.Module
        Any network taking ``(batch, n_chans, n_times)``; left unchanged.
    n_chans : int
        Input channels.
    n_times : int
        Input window in samples.
    layers : sequence of str | None
        Module names (as in ``model.named_modules()``; ``""`` is the model's
        own output); default :func:`default_layers`.
    batch_size : int
        Probes per forward pass.
    seed : int
        Seed of the random input and changes.
    method : {"auto", "probe"}
        ``"auto"`` takes the geometry from the model's ``layer_geometry``
        method where it has one (eegvis's Deep4Net and ShallowFBCSPNet compute
        it analytically, to the same values, in no time) and probes otherwise;
        ``"probe"`` always probes.

    Returns
    -------
    geometry : dict of str to LayerGeometry
        In the order of ``layers``.

    Raises
    ------
    ValueError
        If a layer's valid outputs do not start at evenly spaced input samples,
        or none of its outputs sees the whole field.
    """
    if method not in ("auto", "probe"):
        raise ValueError(f"method must be 'auto' or 'probe', got {method!r}")
    analytic = getattr(model, "layer_geometry", None)
    if method == "auto" and analytic is not None:
        return analytic(
            n_times, default_layers(model, n_chans, n_times) if layers is None else layers
        )
    key = (n_chans, n_times, None if layers is None else tuple(layers), seed, repr(model))
    cached = _PROBED.setdefault(model, {})
    if key not in cached:
        cached[key] = _probe(model, n_chans, n_times, layers, batch_size, seed)
    return dict(cached[key])


def _probe(
    model: nn.Module,
    n_chans: int,
    n_times: int,
    layers: Sequence[str] | None,
    batch_size: int,
    seed: int,
) -> dict[str, LayerGeometry]:
    """Probe a copy of ``model``; see :func:`receptive_fields`."""
    probe = _without_max_pooling(copy.deepcopy(model).double())
    layers = default_layers(probe, n_chans, n_times) if layers is None else list(layers)
    like = next(probe.parameters())
    axes = _time_axes(probe, n_chans, n_times, layers, like)
    generator = torch.Generator(device="cpu").manual_seed(seed)
    base = torch.randn((n_chans, n_times), generator=generator, dtype=torch.float64)
    change = _SPIKE * torch.randn((n_times, n_chans), generator=generator, dtype=torch.float64)
    seen: dict[str, list[Tensor]] = {layer: [] for layer in layers}
    for begin in range(0, n_times, batch_size):
        samples = torch.arange(begin, min(begin + batch_size, n_times))
        x = base.repeat(len(samples) + 1, 1, 1)
        x[1 + torch.arange(len(samples)), :, samples] += change[samples]
        outputs = _raw_outputs(probe, x.to(like.device), layers)
        for layer, out in outputs.items():
            units = as_units_by_time(out, axes[layer]).cpu()
            difference = (units[1:] - units[:1]).abs().amax(dim=1)  # (probes, n_outputs)
            seen[layer].append(difference > 1e-9 * (units[:1].abs().amax() + 1.0))
    return {layer: _geometry(layer, torch.cat(seen[layer]), axes[layer]) for layer in layers}


_MAX_TO_AVG = {nn.MaxPool1d: nn.AvgPool1d, nn.MaxPool2d: nn.AvgPool2d, nn.MaxPool3d: nn.AvgPool3d}


def _average_pooling(module: nn.Module) -> nn.Module:
    """Average pooling over the same windows as a max-pooling module (else the module)."""
    average = _MAX_TO_AVG.get(type(module))
    if average is None:
        return module
    n = int(average.__name__[-2])
    kernel, stride = _as_tuple(module.kernel_size, n), _as_tuple(module.stride, n)
    padding, dilation = _as_tuple(module.padding, n), _as_tuple(module.dilation, n)
    if not any(padding) and not module.ceil_mode:
        return DilatedAvgPool(kernel, stride, dilation)
    if all(d == 1 for d in dilation):
        return average(kernel, stride, padding, module.ceil_mode, count_include_pad=False)
    return module


def _without_max_pooling(model: nn.Module) -> nn.Module:
    """Replace max-pooling modules by average pooling over the same windows, in place.

    The windows, hence every receptive field, stay the same; but a change of
    any input in a window now changes the window's output, whereas a max only
    changes when the changed input wins it.
    """
    for parent in list(model.modules()):
        for name, child in list(parent.named_children()):
            setattr(parent, name, _average_pooling(child))
    return model


def n_predictions(model: nn.Module, n_chans: int, n_times: int) -> int:
    """Return how many predictions a network makes per input window.

    One forward pass of zeros (eval mode, no gradients): the number of output
    samples after the class axis (1 for a network that predicts once).

    Parameters
    ----------
    model : nn.Module
        Maps ``(batch, n_chans, n_times)`` to ``(batch, n_classes, ...)``.
    n_chans, n_times : int
        Input channels and window length.

    Returns
    -------
    n_preds : int
    """
    param = next(model.parameters())
    with evaluating(model):
        out = model(param.new_zeros((1, n_chans, n_times)))
    return int(np.prod(out.shape[2:], dtype=int))


def _geometry(layer: str, seen: Tensor, time_axis: int | None) -> LayerGeometry:
    """Field, stride, offset and valid outputs from ``seen`` (n_times, n_outputs) of bools."""
    n_times, n_outputs = seen.shape
    if not seen.any(dim=0).all():
        raise ValueError(f"layer {layer!r}: some output samples do not depend on the input")
    samples = torch.arange(n_times)[:, None]
    first = torch.where(seen, samples, n_times).amin(dim=0)
    last = torch.where(seen, samples, -1).amax(dim=0)
    spans = last - first + 1
    field = int(spans.max())
    full = (spans == field).nonzero().flatten()
    begin, end = int(full[0]), int(full[-1]) + 1
    if len(full) != end - begin:
        raise ValueError(f"layer {layer!r}: outputs with full fields are not contiguous")
    starts = first[begin:end]
    steps = torch.diff(starts)
    stride = int(steps[0]) if len(steps) else 1
    if len(steps) and not (steps == stride).all():
        raise ValueError(
            f"layer {layer!r}: output fields start at unevenly spaced input samples "
            f"({starts[:6].tolist()} ...)"
        )
    offset = int(starts[0]) - begin * stride
    return LayerGeometry(field, stride, offset, n_outputs, slice(begin, end), time_axis)
