# Provenance of the results: exact config, package versions, git commit, seeds, machine.
# It depends on every other final output, so it is rewritten whenever one of them is.


rule provenance:
    input:
        provenance_inputs(),
    output:
        PROVENANCE,
    log:
        f"{LOGS}/provenance.log",
    conda:
        "../../envs/eegvis.yaml"
    params:
        config=config,
        workflow_dir=workflow.basedir,
    script:
        "../../scripts/write_provenance.py"
