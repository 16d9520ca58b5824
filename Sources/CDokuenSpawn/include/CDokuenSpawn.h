// Small C helpers for what Swift's Glibc module hides (GNU extensions) or cannot express (macros).
// _GNU_SOURCE is defined in the .c file only: defining it in a public header breaks the Glibc module
// (SWIFT-NOTES.md §4.1). Every symbol is prefixed dokuen_.
#ifndef CDOKUEN_SPAWN_H
#define CDOKUEN_SPAWN_H

#include <sys/types.h>

/// Start the child in a new session (setsid): it gets its own process group and no controlling terminal.
#define DOKUEN_SPAWN_NEW_SESSION 1
/// Start the child in a new process group (setpgid(0, 0)) but keep the caller's session.
#define DOKUEN_SPAWN_NEW_PROCESS_GROUP 2

/// posix_spawn with an empty signal mask, default signal dispositions, the given fds as 0, 1 and 2, every other
/// fd closed, and optionally a new session or process group. Returns 0 or an errno value; *pid is set on success.
int dokuen_spawn(const char *path, char *const argv[], char *const envp[], int stdin_fd, int stdout_fd,
                 int stderr_fd, int flags, pid_t *pid);

/// The user a child switches to before exec: supplementary groups, then gid, then uid (the order that keeps the
/// right to change them). `groups` holds `group_count` ids.
typedef struct {
    uid_t uid;
    gid_t gid;
    const gid_t *groups;
    int group_count;
} dokuen_credentials;

/// A program whose exit status only this caller can collect (Linux), whatever else the process does: a thread
/// reaping with waitpid(-1), or SIGCHLD set to SIG_IGN. The caller's direct child is a "keeper", started by clone3
/// with CLONE_PIDFD and no exit signal, which never execs (exec would reset its exit signal to SIGCHLD), so
/// waitpid(-1) without __WALL does not see it and an ignored SIGCHLD does not reap it. The keeper starts the
/// program as its own child, which before exec resets every signal disposition and its mask, sets its niceness to
/// 0 (it would keep the calling thread's otherwise), starts a new session or process group (`flags`), switches to
/// `credentials` when given (groups, gid, uid), changes to `cwd` when given, and keeps only fds 0–2. When the program exits, the keeper kills what is left of its group (SIGKILL), reaps it,
/// writes its wait status to the report pipe and exits.
/// Returns 0 or an errno value (a failure before exec comes back synchronously, and everything is reaped); on
/// success *pid is the program's pid, and the caller owns *keeper_pidfd and *report_fd (both O_CLOEXEC): poll
/// *report_fd, then call dokuen_exclusive_status. Elsewhere than Linux: ENOSYS.
int dokuen_spawn_exclusive(const char *path, char *const argv[], char *const envp[], const char *cwd, int stdin_fd,
                           int stdout_fd, int stderr_fd, int flags, const dokuen_credentials *credentials,
                           pid_t *pid, int *keeper_pidfd, int *report_fd);

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
