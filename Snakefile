# eegvis: ConvNet visualizations of EEG decoders (Schirrmeister et al. 2017).
#   snakemake --cores all                                    # synthetic demo
#   snakemake --cores all --configfile config/physionet.yaml # PhysioNet EEGBCI
from snakemake.utils import min_version

min_version("9.0")


# The demo config is the base unless --configfile gave one: a config file replaces
# it (no demo value leaks into a real run); --config values apply on top of either.
if not workflow.overwrite_configfiles:

    configfile: "config/config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/preprocessing.smk"
include: "workflow/rules/model.smk"
include: "workflow/rules/envelopes.smk"
include: "workflow/rules/gradient.smk"
include: "workflow/rules/attribution.smk"
include: "workflow/rules/perturbation.smk"
include: "workflow/rules/statistics.smk"
include: "workflow/rules/diagnostics.smk"
include: "workflow/rules/provenance.smk"
include: "workflow/rules/report.smk"


# The report opens on the run's results summary (report.smk) once it is built.
report: landing_page()


# Artifact-control variants of this analysis, when the config has some.
if config["variants"]:

    include: "workflow/rules/variants.smk"


rule all:
    default_target: True
    input:
        final_outputs(),
        variant_outputs() if config["variants"] else [],
