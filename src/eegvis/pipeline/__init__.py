"""What only the workflow uses: config checks, job steps, logs, provenance, the report summary."""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submodules=["comparison", "config", "jobs", "logs", "provenance", "summary", "variants"],
    submod_attrs={
        "comparison": ["compare_variants", "final_accuracy", "significant_channels"],
        "config": [
            "check_bands",
            "check_config",
            "ConfigError",
            "describe_schema_error",
            "resolve_bands",
            "resolve_training",
        ],
        "jobs": [
            "bandpassed_job_subjects",
            "job_info",
            "job_subjects",
            "network_maps",
            "read_tables",
            "save_maps",
            "start_job",
        ],
        "logs": ["log_to_file"],
        "summary": [
            "accuracy_table",
            "chance_accuracy",
            "map_table",
            "quality_table",
            "RunTables",
            "sanity_table",
            "split_table",
            "summary_contrast",
            "summary_page",
        ],
        "variants": ["deep_merge", "variant_configs", "variant_name"],
        "provenance": [
            "collect_provenance",
            "git_commit",
            "output_digests",
            "package_versions",
            "platform_info",
            "seeds",
            "torch_info",
            "write_provenance",
        ],
    },
)
