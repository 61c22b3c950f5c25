"""What only the Snakemake workflow uses: config checks, job logs, provenance."""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submodules=["config", "logs", "provenance"],
    submod_attrs={
        "config": [
            "check_bands",
            "check_config",
            "ConfigError",
            "describe_schema_error",
            "resolve_bands",
            "resolve_training",
        ],
        "logs": ["log_to_file"],
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
