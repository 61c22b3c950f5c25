"""The paper's analyses of any network on MNE Epochs, each returning labelled per-subject maps.

Every ``*_maps`` function takes an ``mne.Epochs`` (channels, sampling rate and
labels come from it; subjects from a ``subject`` column of its metadata when
there is one, else all trials are subject 0) and returns an
:class:`xarray.Dataset` of per-subject maps (see :mod:`eegvis.maps`)::

    import eegvis
    maps = eegvis.gradient_maps(model, epochs)             # any PyTorch EEG network
    maps.eegvis.band_means({"mu": (7, 14)}).eegvis.plot()

The ``*_subjects`` variants take an iterable of
:class:`eegvis.data.subjects.SubjectTrials` instead (one subject in memory at a
time); the workflow's scripts call those.

The network's input window is ``input_length`` samples (default: the model's
``n_times`` attribute, as eegvis's and braindecode's models have). Trials are
cut into windows that step by the span of the network's predictions
(:func:`eegvis.analyses.envelope_activation.window_starts`): crops as in cropped
decoding for dense networks, one window per trial when trials are as long as
the window.

- :mod:`~eegvis.analyses.envelope_maps`, :mod:`~eegvis.analyses.spectral_maps`:
  the public map functions.
- Their engines: :mod:`~eegvis.analyses.envelopes` (band-power envelopes),
  :mod:`~eegvis.analyses.correlation` (streaming Pearson correlation),
  :mod:`~eegvis.analyses.envelope_activation`, :mod:`~eegvis.analyses.gradients`,
  :mod:`~eegvis.analyses.perturbation`, :mod:`~eegvis.analyses.attribution`
  (:mod:`~eegvis.analyses.attribution_maps` makes per-subject maps of it).
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submodules=[
        "attribution",
        "attribution_maps",
        "methods",
        "correlation",
        "envelope_activation",
        "envelope_maps",
        "envelopes",
        "gradients",
        "perturbation",
        "spectral_maps",
    ],
    submod_attrs={
        "methods": ["CROP_METHODS", "METHODS", "METHOD_OPTIONS", "method_options"],
        "attribution": [
            "attribute",
            "class_attribution_means",
            "explained_model",
            "haufe_patterns",
            "method_inputs",
        ],
        "attribution_maps": [
            "attribution_maps",
            "attribution_subjects",
            "crop_attribution",
            "sample_crops",
        ],
        "envelope_maps": [
            "envelope_activation_maps",
            "envelope_activation_networks",
            "envelope_activation_subjects",
            "envelope_class_maps",
            "envelope_class_subjects",
            "summarise_units",
            "UNIT_SUMMARIES",
        ],
        "spectral_maps": [
            "gradient_maps",
            "gradient_subjects",
            "perturbation_maps",
            "perturbation_subjects",
        ],
        "gradients": ["amplitude_gradients", "class_amplitude_difference"],
        "perturbation": [
            "PerturbationMaps",
            "amplitude_perturbation_correlation",
            "band_mean",
            "perturbation_correlations",
        ],
    },
)
