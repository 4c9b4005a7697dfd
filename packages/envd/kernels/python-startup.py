# Run by envd's IPython kernels at start (IPKernelApp.exec_files), in the user namespace;
# everything is wrapped in a function and deleted so that no name is left behind.
# Adds the `e2b/data` output format that @e2b/code-interpreter reads into `Result.data`:
# a pandas DataFrame as `to_dict(orient="list")`, made JSON-safe. The printer is registered
# by type *name*, so pandas is not imported until the user imports it.


def __soulbox_setup():
    import json

    from IPython import get_ipython
    from IPython.core.formatters import BaseFormatter
    from traitlets import ObjectName, Unicode

    class E2BDataFormatter(BaseFormatter):
        format_type = Unicode("e2b/data")
        print_method = ObjectName("_repr_e2b_data_")
        _return_type = (dict,)

    def dataframe_data(df):
        split = json.loads(df.to_json(orient="split", date_format="iso", default_handler=str))
        return {
            str(column): [row[i] for row in split["data"]]
            for i, column in enumerate(split["columns"])
        }

    shell = get_ipython()
    if shell is None:
        return
    formatter = E2BDataFormatter(parent=shell.display_formatter)
    formatter.for_type_by_name("pandas.core.frame", "DataFrame", dataframe_data)
    shell.display_formatter.formatters["e2b/data"] = formatter


__soulbox_setup()
del __soulbox_setup
