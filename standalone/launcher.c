/* The standalone executable: an embedded CPython that runs eks_tf_auth.entry.main.
 *
 * It replaces PyInstaller's bootloader, which in one-dir mode sets LD_LIBRARY_PATH and executes
 * itself a second time before Python starts (about 4.5 ms of every start). Here the dynamic
 * loader finds the bundled libpython through this file's RUNPATH ($ORIGIN/_internal, set by
 * standalone/build.py), so the process starts once and its children get the environment it was
 * given.
 *
 * The interpreter is isolated: no site, no user site, no PYTHON* environment variable, no
 * bytecode written; sys.path is the bundle's own: _internal (the modules as .pyc files) and
 * _internal/python3.11/lib-dynload (extension modules); launcher.py adds the zip of the cold
 * modules. argv is passed through as sys.argv, sys.frozen is True, and Py_RunMain gives the exit
 * code as
 * `python -c` would: SystemExit's code, 1 after an uncaught exception, SIGINT after an uncaught
 * KeyboardInterrupt. Signals are handled as in any Python process (SIGINT raises
 * KeyboardInterrupt, SIGPIPE and SIGXFSZ are ignored).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CONTENTS "/_internal"
#define LIB_DYNLOAD "/python" PYTHON_MAJOR_MINOR "/lib-dynload"
#define STR_(x) #x
#define STR(x) STR_(x)
#define PYTHON_MAJOR_MINOR STR(PY_MAJOR_VERSION) "." STR(PY_MINOR_VERSION)

/* launcher.py, compiled into _internal/launcher.pyc */
static const wchar_t RUN[] = L"import sys\n"
                             L"import launcher\n"
                             L"sys.exit(launcher.main())\n";

static int fail(const char *what) {
    fprintf(stderr, "eks-tf-auth: error: %s\n", what);
    return 1;
}

/* Whether status is an error; if it is, the interpreter's message goes to stderr and the
 * process exits (Py_ExitStatusException does not return). */
static void check(PyStatus status, PyConfig *config) {
    if (PyStatus_Exception(status)) {
        if (config != NULL) {
            PyConfig_Clear(config);
        }
        Py_ExitStatusException(status);
    }
}

/* Appends dir + tail to the wide string list, decoded as the preinitialized interpreter
 * decodes file names. */
static void append_path(PyConfig *config, PyWideStringList *list, const char *dir,
                        const char *tail) {
    char path[PATH_MAX];
    if ((size_t)snprintf(path, sizeof path, "%s%s", dir, tail) >= sizeof path) {
        check(PyStatus_Error("the bundle's path is too long"), config);
    }
    wchar_t *wide = Py_DecodeLocale(path, NULL);
    if (wide == NULL) {
        check(PyStatus_NoMemory(), config);
    }
    PyStatus status = PyWideStringList_Append(list, wide);
    PyMem_RawFree(wide);
    check(status, config);
}

int main(int argc, char **argv) {
    /* The executable itself, symbolic links resolved: a link on PATH still finds _internal. */
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0 || (size_t)n >= sizeof exe - 1) {
        return fail("cannot read /proc/self/exe to find the bundle's _internal folder");
    }
    exe[n] = '\0';
    char internal[PATH_MAX];
    char *slash = strrchr(exe, '/');
    size_t dir_len = slash == NULL ? 0 : (size_t)(slash - exe);
    if (dir_len + sizeof CONTENTS > sizeof internal) {
        return fail("the bundle's path is too long");
    }
    memcpy(internal, exe, dir_len);
    memcpy(internal + dir_len, CONTENTS, sizeof CONTENTS);

    /* The locale as Python sets it (LC_CTYPE from the environment, UTF-8 mode under the C
     * locale) but without coercing the C locale, which would export LC_CTYPE to children. */
    PyPreConfig preconfig;
    PyPreConfig_InitPythonConfig(&preconfig);
    preconfig.isolated = 1;
    preconfig.use_environment = 0;
    preconfig.coerce_c_locale = 0;
    preconfig.coerce_c_locale_warn = 0;
    check(Py_PreInitialize(&preconfig), NULL);

    PyConfig config;
    PyConfig_InitIsolatedConfig(&config);
    config.site_import = 0;
    config.user_site_directory = 0;
    config.write_bytecode = 0;
    config.install_signal_handlers = 1;
    config.configure_c_stdio = 1;
    config.parse_argv = 0;
    config.safe_path = 1;
    config.pathconfig_warnings = 0;
    check(PyConfig_SetBytesString(&config, &config.program_name, exe), &config);
    check(PyConfig_SetBytesString(&config, &config.executable, exe), &config);
    check(PyConfig_SetBytesString(&config, &config.home, internal), &config);
    check(PyConfig_SetBytesString(&config, &config.stdlib_dir, internal), &config);
    config.module_search_paths_set = 1;
    append_path(&config, &config.module_search_paths, internal, "");
    append_path(&config, &config.module_search_paths, internal, LIB_DYNLOAD);
    check(PyConfig_SetString(&config, &config.run_command, RUN), &config);
    check(PyConfig_SetBytesArgv(&config, argc, argv), &config);

    PyStatus status = Py_InitializeFromConfig(&config);
    PyConfig_Clear(&config);
    check(status, NULL);
    if (PySys_SetObject("frozen", Py_True) != 0) {
        PyErr_Print();
        return 1;
    }
    return Py_RunMain();
}
