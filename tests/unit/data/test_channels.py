import pytest

from eegvis.data.channels import EEGBCI_SENSORIMOTOR, HGD_SENSORIMOTOR, select_channels
from eegvis.data.eegbci import CHANNELS
from eegvis.data.montage import standard_montage


def test_sensorimotor_eegbci_is_its_fc_c_cp_rows():
    picks = select_channels(CHANNELS, "sensorimotor")
    assert picks == list(EEGBCI_SENSORIMOTOR)
    assert len(picks) == 21
    assert all(name[:2] in ("FC", "C1", "C2", "C3", "C4", "C5", "C6", "Cz", "CP") for name in picks)
    assert {"FC5", "FC6", "C5", "C6", "CP5", "CP6", "FCz", "Cz", "CPz"} <= set(picks)
    assert not {"F7", "T7", "Fp1", "AF7", "FT7", "P3"} & set(picks)


def test_sensorimotor_on_a_high_gamma_montage_is_the_papers_44():
    montage = standard_montage().ch_names
    assert set(HGD_SENSORIMOTOR) <= set(montage)
    picks = select_channels(montage, "sensorimotor")
    assert len(picks) == len(set(HGD_SENSORIMOTOR)) == 44
    assert set(picks) == set(HGD_SENSORIMOTOR)
    assert picks == [name for name in montage if name in set(HGD_SENSORIMOTOR)]


def test_all_and_lists_keep_the_recordings_order():
    assert select_channels(CHANNELS, "all") == list(CHANNELS)
    assert select_channels(CHANNELS, ["C4", "C3", "Cz"]) == ["C3", "Cz", "C4"]


@pytest.mark.parametrize(
    ("selection", "message"),
    [
        ("motor", "unknown preset 'motor'"),
        (["C3", "X9"], r"no channel \['X9'\]"),
        (["C3"], "keeps 1 of"),
    ],
)
def test_bad_selections_name_the_config_key(selection, message):
    with pytest.raises(ValueError, match=rf"dataset\.channels.*{message}"):
        select_channels(CHANNELS, selection)
