# eegvis: ConvNet visualizations of EEG decoders (Schirrmeister et al. 2017).
#   snakemake --cores all                                    # synthetic demo
#   snakemake --cores all --configfile config/physionet.yaml # PhysioNet EEGBCI
from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"


rule all:
    input:
        final_outputs(),
    default_target: True
