#include <git2.h>
#include <git2/sys/repository.h>
#include <git2/sys/odb_backend.h>
#include <git2/sys/mempack.h>

/* git_libgit2_opts is variadic and therefore not callable from Swift; these
 * wrappers expose the few process-wide settings GitStore needs. */

/* Objects and refs are validated by GitStore itself; libgit2 must not refuse
 * a ref whose target is not (yet) present. */
static inline int graspsim_git_set_strict_object_creation(int enabled) {
    return git_libgit2_opts(GIT_OPT_ENABLE_STRICT_OBJECT_CREATION, enabled);
}

/* Ignore the user's global/system/XDG configuration so that results do not
 * depend on the machine (e.g. init.defaultBranch). */
static inline int graspsim_git_isolate_config(void) {
    int rc = git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, GIT_CONFIG_LEVEL_GLOBAL, "");
    if (rc < 0) return rc;
    rc = git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, GIT_CONFIG_LEVEL_XDG, "");
    if (rc < 0) return rc;
    rc = git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, GIT_CONFIG_LEVEL_SYSTEM, "");
    if (rc < 0) return rc;
    return git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, GIT_CONFIG_LEVEL_PROGRAMDATA, "");
}

/* Repositories live in directories this process created; skip the
 * safe.directory ownership check. */
static inline int graspsim_git_set_owner_validation(int enabled) {
    return git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, enabled);
}
