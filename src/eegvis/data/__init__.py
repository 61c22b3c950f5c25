"""EEG data in: downloads, recordings, synthetic data, epochs, band-passing, per-subject trials."""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submodules=[
        "bandpassing",
        "download",
        "eegbci",
        "epochs",
        "fetch",
        "filters",
        "montage",
        "recordings",
        "sources",
        "subjects",
        "summaries",
        "synthetic",
        "trials",
    ],
    submod_attrs={
        "bandpassing": [
            "bandpass_trials",
            "bandpassed_subjects",
            "bandpassed_trials",
            "subject_bandpasser",
            "trial_samples",
        ],
        "download": [
            "ChecksumError",
            "DownloadError",
            "fetch_subject",
            "registry",
            "sha256",
            "verify_checksums",
        ],
        "eegbci": ["dataset_root", "run_filename", "standard_channel_name"],
        "epochs": [
            "epoch_run",
            "epoch_subject",
            "EpochingSummary",
            "iter_subjects",
            "load_epochs",
            "load_split",
            "to_arrays",
        ],
        "fetch": ["fetch_recordings"],
        "filters": ["as_band_mapping", "bandpass", "bands_below_nyquist", "paper_filterbank"],
        "montage": ["standard_montage"],
        "recordings": ["check_edf_size", "read_run", "read_runs", "RecordingError"],
        "sources": [
            "fetch_moabb_subject",
            "moabb_dataset",
            "picked",
            "read_bids_subject",
            "save_recordings",
        ],
        "subjects": ["prefetched", "SubjectTrials"],
        "summaries": ["summary_table", "usable_subjects"],
        "synthetic": ["PlantedEffect", "simulate_run", "write_subject"],
        "trials": ["event_classes", "iter_epochs_subjects", "subject_numbers"],
    },
)
