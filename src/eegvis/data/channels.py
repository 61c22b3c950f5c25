"""Channel selections: named presets (the sensorimotor montages) or explicit lists."""

from __future__ import annotations

from collections.abc import Sequence

from eegvis.data.eegbci import CHANNELS

#: EEGBCI's sensorimotor channels: its first 21, the FC, C and CP rows (FC5…FC6,
#: C5…C6, CP5…CP6).
EEGBCI_SENSORIMOTOR: tuple[str, ...] = CHANNELS[:21]

#: The 44 sensorimotor channels the paper used on the High-Gamma Dataset
#: (Schirrmeister et al. 2017; the C_sensors of braindecode's example).
HGD_SENSORIMOTOR: tuple[str, ...] = (
    "FC5", "FC1", "FC2", "FC6", "C3", "C4", "CP5", "CP1", "CP2", "CP6",
    "FC3", "FCz", "FC4", "C5", "C1", "C2", "C6", "CP3", "CPz", "CP4",
    "FFC5h", "FFC3h", "FFC4h", "FFC6h", "FCC5h", "FCC3h", "FCC4h", "FCC6h",
    "CCP5h", "CCP3h", "CCP4h", "CCP6h", "CPP5h", "CPP3h", "CPP4h", "CPP6h",
    "FFC1h", "FFC2h", "FCC1h", "FCC2h", "CCP1h", "CCP2h", "CPP1h", "CPP2h",
)  # fmt: skip

#: Named selections of the config's ``dataset.channels``.
PRESETS = ("all", "sensorimotor")


def select_channels(ch_names: Sequence[str], selection: str | Sequence[str]) -> list[str]:
    """Return the channels of a recording that a selection keeps.

    Parameters
    ----------
    ch_names : sequence of str
        The recording's EEG channels (standard 10-05 names), in its order.
    selection : str | sequence of str
        ``"all"``; ``"sensorimotor"``: on a High-Gamma Dataset montage (one
        that has the paper's 44 channels) those 44, else the EEGBCI FC/C/CP
        rows (:data:`EEGBCI_SENSORIMOTOR`) that the recording has; or a list
        of channel names.

    Returns
    -------
    picks : list of str
        The kept channels, in the recording's order.

    Raises
    ------
    ValueError
        If the selection is unknown, names channels the recording lacks, or
        keeps fewer than two channels.
    """
    available = list(ch_names)
    if isinstance(selection, str):
        if selection not in PRESETS:
            raise ValueError(
                f"config key dataset.channels: unknown preset {selection!r}; use one of "
                f"{PRESETS} or a list of channel names"
            )
        if selection == "all":
            return available
        preset = set(HGD_SENSORIMOTOR)
        if not preset.issubset(available):
            preset = set(EEGBCI_SENSORIMOTOR)
        wanted = [name for name in available if name in preset]
    else:
        missing = [name for name in selection if name not in available]
        if missing:
            raise ValueError(
                f"config key dataset.channels: the recording has no channel {missing}; "
                f"it has {available}"
            )
        wanted = [name for name in available if name in set(selection)]
    if len(wanted) < 2:
        raise ValueError(
            f"config key dataset.channels: {selection!r} keeps {len(wanted)} of the "
            f"recording's channels {available}; at least 2 are needed"
        )
    return wanted
