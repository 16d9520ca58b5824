// Dokuen's one spawner, used by the shim (Embedded Swift) and by DokuenPosix (the daemon, the CLI, the tests), and
// small helpers for what Swift's Glibc module hides (GNU extensions) or cannot express (macros). _GNU_SOURCE is
// defined in the .c file only: defining it in a public header breaks the Glibc module (docs/STACK-NOTES.md §4.1).
// Every symbol is prefixed dokuen_.
#ifndef CDOKUEN_SPAWN_H
#define CDOKUEN_SPAWN_H

#include <stdint.h>
#include <sys/types.h>

/// Start the child in a new session (setsid): it gets its own process group and no controlling terminal.
#define DOKUEN_SPAWN_NEW_SESSION 1
/// Start the child in a new process group (setpgid(0, 0)) but keep the caller's session.
#define DOKUEN_SPAWN_NEW_PROCESS_GROUP 2
/// The child gets SIGKILL when the thread that spawned it ends (PR_SET_PDEATHSIG, set after the credential change,
/// which clears it; in the single-threaded shim, when the shim dies), and fails with ESRCH if its parent is already
/// gone.
#define DOKUEN_SPAWN_DIE_WITH_PARENT 4
/// A niceness the caller may not set (EACCES, EPERM: it would lower the calling thread's) is not an error: the child
/// keeps the thread's, which costs no one else anything.
#define DOKUEN_SPAWN_NICE_BEST_EFFORT 8

/// One step of the child's fd setup. The actions run in order, as posix_spawn's file actions do; every source is
/// first copied above every target, so no action overwrites the source of a later one. Afterwards the child holds
/// fds 0–2 (whatever it inherited where no action names them) and the targets of the actions, nothing else.
enum dokuen_fd_action_kind {
    /// dup2(source, target).
    DOKUEN_FD_DUP2 = 1,
    /// open(path, flags, mode) as target.
    DOKUEN_FD_OPEN = 2,
    /// close(target).
    DOKUEN_FD_CLOSE = 3,
};

/// One fd action: `kind` with the fields it uses.
struct dokuen_fd_action {
    int kind;
    int target;
    int source;
    const char *path;
    int flags;
    mode_t mode;
};

/// The resources of `struct dokuen_resource_limit` (Dokuen's own codes, mapped to RLIMIT_* in the child).
#define DOKUEN_LIMIT_NOFILE 1
#define DOKUEN_LIMIT_NPROC 2
#define DOKUEN_LIMIT_CORE 3

/// One rlimit the child starts with: soft = hard = value, or RLIM_INFINITY when value < 0.
struct dokuen_resource_limit {
    int resource;
    int64_t value;
};

/// The user a child switches to before exec: supplementary groups, then gid, then uid (the order that keeps the
/// right to change them). `groups` holds `group_count` ids.
typedef struct {
    uid_t uid;
    gid_t gid;
    const gid_t *groups;
    int group_count;
} dokuen_credentials;

/// Everything a child starts with. Between fork and execve the child, in this order: resets every signal (1–64,
/// the raw call, which glibc's 32 and 33 need) to its default disposition, starts a new session or group (`flags`),
/// runs `fd_actions` and closes every other fd from 3 up, sets its niceness to `nice` (always: a thread's niceness is
/// inherited otherwise), sets `limits`, switches to `credentials` when given (setgroups, setresgid, setresuid),
/// changes to `cwd` when given, arms PDEATHSIG when asked, empties its signal mask, and calls execve.
struct dokuen_spawn_request {
    const char *path;
    char *const *argv;
    char *const *envp;
    const char *cwd;
    const struct dokuen_fd_action *fd_actions;
    int fd_action_count;
    int flags;
    int nice;
    const struct dokuen_resource_limit *limits;
    int limit_count;
    const dokuen_credentials *credentials;
};

/// Why a child did not start: the errno and the step that failed ("execve", "chdir", "setrlimit", …).
struct dokuen_spawn_failure {
    int error;
    const char *step;
};

/// At most this many fd actions in a request (more is EINVAL).
#define DOKUEN_SPAWN_MAX_FD_ACTIONS 16

/// Forks and execs `request`. Returns 0 with *pid set, or an errno value with *failure filled in; a child that
/// failed before exec is already reaped. Every signal is blocked in the calling thread across the fork.
int dokuen_spawn(const struct dokuen_spawn_request *request, pid_t *pid, struct dokuen_spawn_failure *failure);

/// Closes every fd from 3 up but the `count` fds of `keep` (close_range(2) over the gaps, a loop where it is
/// missing).
void dokuen_close_all_except(const int *keep, int count);

/// A program whose exit status only this caller can collect (Linux), whatever else the process does: a thread
/// reaping with waitpid(-1), or SIGCHLD set to SIG_IGN. The caller's direct child is a "keeper", started by clone3
/// with CLONE_PIDFD and no exit signal, which never execs (exec would reset its exit signal to SIGCHLD), so
/// waitpid(-1) without __WALL does not see it and an ignored SIGCHLD does not reap it. The keeper starts `request`
/// as its own child, exactly as `dokuen_spawn` does. When the program exits, the keeper kills what is left of its
/// group (SIGKILL), reaps it, ends what the program's tree left behind (it is a child subreaper), writes the wait
/// status to the report pipe and exits.
/// Returns 0 or an errno value with *failure filled in (a failure before exec comes back synchronously, and
/// everything is reaped); on success *pid is the program's pid, and the caller owns *keeper_pidfd and *report_fd
/// (both O_CLOEXEC): poll *report_fd, then call dokuen_exclusive_status. Elsewhere than Linux: ENOSYS.
int dokuen_spawn_exclusive(const struct dokuen_spawn_request *request, pid_t *pid, int *keeper_pidfd, int *report_fd,
                           struct dokuen_spawn_failure *failure);

/// Reads the program's wait status from the report pipe (blocking until the program has exited) and reaps the
/// keeper. Returns 0, or -1 with errno set (EPIPE: the keeper died without reporting, e.g. it was SIGKILLed).
/// The fds stay open.
int dokuen_exclusive_status(int report_fd, int keeper_pidfd, int *status);

/// waitid(P_PIDFD, pidfd, WEXITED | __WALL): reaps the child behind `pidfd` (blocking until it exits) and stores a
/// waitpid-style status in *status. Returns 0 or -1 with errno set.
int dokuen_pidfd_reap(int pidfd, int *status);

/// pidfd_open(2): an fd that polls readable when the process exits. -1 with errno set on failure
/// (ENOSYS where the kernel or the platform has none).
int dokuen_pidfd_open(pid_t pid);

/// The W* macros of <sys/wait.h>, which Swift cannot import.
int dokuen_wifexited(int status);
int dokuen_wexitstatus(int status);
int dokuen_wifsignaled(int status);
int dokuen_wtermsig(int status);

#endif
