#define _GNU_SOURCE
#include "CDokuenSpawn.h"

#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#if defined(__linux__)
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#endif

int dokuen_spawn(const char *path, char *const argv[], char *const envp[], int stdin_fd, int stdout_fd,
                 int stderr_fd, int flags, pid_t *pid) {
    posix_spawnattr_t attr;
    posix_spawn_file_actions_t actions;
    int rc = posix_spawnattr_init(&attr);
    if (rc != 0) return rc;
    rc = posix_spawn_file_actions_init(&actions);
    if (rc != 0) {
        posix_spawnattr_destroy(&attr);
        return rc;
    }

    // Threads of the Swift runtime block most signals; a child must not inherit that mask (SWIFT-NOTES §1.5).
    sigset_t empty, all;
    sigemptyset(&empty);
    sigfillset(&all);
    short spawn_flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
    if (flags & DOKUEN_SPAWN_NEW_SESSION) spawn_flags |= POSIX_SPAWN_SETSID;
    else if (flags & DOKUEN_SPAWN_NEW_PROCESS_GROUP) spawn_flags |= POSIX_SPAWN_SETPGROUP;
    if (rc == 0) rc = posix_spawnattr_setflags(&attr, spawn_flags);
    if (rc == 0) rc = posix_spawnattr_setsigmask(&attr, &empty);
    if (rc == 0) rc = posix_spawnattr_setsigdefault(&attr, &all);
    if (rc == 0 && (flags & DOKUEN_SPAWN_NEW_PROCESS_GROUP)) rc = posix_spawnattr_setpgroup(&attr, 0);

    int fds[3] = {stdin_fd, stdout_fd, stderr_fd};
    for (int target = 0; rc == 0 && target < 3; target++) {
        rc = posix_spawn_file_actions_adddup2(&actions, fds[target], target);
    }
#if defined(__linux__)
    if (rc == 0) rc = posix_spawn_file_actions_addclosefrom_np(&actions, 3);
#endif
    if (rc == 0) rc = posix_spawn(pid, path, &actions, &attr, argv, envp);

    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    return rc;
}

int dokuen_pidfd_open(pid_t pid) {
#if defined(__linux__) && defined(SYS_pidfd_open)
    return (int)syscall(SYS_pidfd_open, pid, 0);
#else
    (void)pid;
    errno = ENOSYS;
    return -1;
#endif
}

int dokuen_wifexited(int status) { return WIFEXITED(status); }
int dokuen_wexitstatus(int status) { return WEXITSTATUS(status); }
int dokuen_wifsignaled(int status) { return WIFSIGNALED(status); }
int dokuen_wtermsig(int status) { return WTERMSIG(status); }

#if defined(__linux__)
#include <fcntl.h>
#include <grp.h>
#include <linux/sched.h>
#include <sched.h>
#include <stdint.h>
#include <string.h>

#ifndef P_PIDFD
#define P_PIDFD 3
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

// Everything the child does between clone and execve: raw system calls only. The child is a copy of one thread of
// a multi-threaded process (like fork), so it must not take a lock another thread may have held (malloc, stdio),
// nor call glibc's setuid/setgid/setgroups, which signal every thread of the parent to change credentials together
// (nptl "setxid"); the raw syscalls change this process only, which is what we want.
static void exclusive_child(const char *path, char *const argv[], char *const envp[], const char *cwd, const int fds[3],
                            int flags, const dokuen_credentials *credentials, int error_fd) {
    int step_errno = 0;
    // Default dispositions first, then an empty mask, so nothing pending runs a handler of the parent.
    // The raw call, for every signal: glibc's sigaction refuses its own 32 and 33, which may be ignored in the
    // parent and would stay ignored across exec. An all-zero kernel sigaction is SIG_DFL with no flags on every
    // architecture, whatever the struct's layout.
    uint64_t dfl[8];
    memset(dfl, 0, sizeof dfl);
    for (int sig = 1; sig <= 64; sig++) {
        if (sig != SIGKILL && sig != SIGSTOP) (void)syscall(SYS_rt_sigaction, sig, dfl, NULL, sizeof(uint64_t));
    }
    sigset_t empty;
    sigemptyset(&empty);
    if (syscall(SYS_rt_sigprocmask, SIG_SETMASK, &empty, NULL, sizeof(uint64_t)) != 0) goto fail;

    // Niceness 0, whatever the calling thread's: Linux keeps a niceness per thread (sched(7)) and a clone copies
    // the caller's, so a program started from one of dokuend's pool threads would keep their -2 (issue 12). Set
    // before the credentials change, while raising priority is still allowed; an unprivileged caller whose thread
    // runs above 0 gets EACCES and the program stays nicer than asked, which costs no one else anything.
    if (syscall(SYS_setpriority, PRIO_PROCESS, 0, 0) != 0 && errno != EACCES && errno != EPERM) goto fail;
    if (flags & DOKUEN_SPAWN_NEW_SESSION) {
        if (setsid() < 0) goto fail;
    } else if (flags & DOKUEN_SPAWN_NEW_PROCESS_GROUP) {
        if (setpgid(0, 0) != 0) goto fail;
    }
    if (credentials != NULL) {
        if (syscall(SYS_setgroups, (size_t)credentials->group_count, credentials->groups) != 0) goto fail;
        if (syscall(SYS_setresgid, credentials->gid, credentials->gid, credentials->gid) != 0) goto fail;
        if (syscall(SYS_setresuid, credentials->uid, credentials->uid, credentials->uid) != 0) goto fail;
    }
    if (cwd != NULL && chdir(cwd) != 0) goto fail;

    // Move the error pipe above 2 so the dup2s below cannot clobber it, then install 0, 1, 2.
    if (error_fd < 3) {
        int moved = fcntl(error_fd, F_DUPFD_CLOEXEC, 3);
        if (moved < 0) goto fail;
        error_fd = moved;
    }
    for (int target = 0; target < 3; target++) {
        if (fds[target] == target) {
            if (fcntl(target, F_SETFD, 0) != 0) goto fail;  // dup2 onto itself would keep CLOEXEC
        } else if (dup2(fds[target], target) < 0) {
            goto fail;
        }
    }
    // Every other fd is closed by execve (the error pipe too, which tells the parent that exec happened).
    if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) != 0) {
        for (int fd = 3; fd < 65536; fd++) {
            if (fd != error_fd) (void)close(fd);
        }
    }
    execve(path, argv, envp);
fail:
    step_errno = errno;
    (void)write(error_fd, &step_errno, sizeof step_errno);
    _exit(127);
}

static void write_int(int fd, int value) {
    ssize_t rc;
    do {
        rc = write(fd, &value, sizeof value);
    } while (rc < 0 && errno == EINTR);
}

// The keeper: a copy of the caller that never execs, so it keeps exit_signal 0 (exec resets it to SIGCHLD, which
// is why the program itself cannot be the caller's child). It starts the program as its own ordinary child,
// reports the program's pid, waits for it, kills what is left of its group while the zombie still holds the group
// id, reaps it, and reports the wait status. Raw system calls only, as in exclusive_child.
/// Closes every fd but the three in `fds` (those >= 0), `error_fd` and `report_fd`, with close_range(2) over the
/// gaps (a loop of close(2) where close_range is missing).
static void close_all_but(const int fds[3], int error_fd, int report_fd) {
    int keep[5] = {fds[0], fds[1], fds[2], error_fd, report_fd};
    // Insertion sort of five.
    for (int i = 1; i < 5; i++) {
        for (int j = i; j > 0 && keep[j - 1] > keep[j]; j--) {
            int t = keep[j];
            keep[j] = keep[j - 1];
            keep[j - 1] = t;
        }
    }
    unsigned next = 0;
    for (int i = 0; i <= 5; i++) {
        long upto = i < 5 ? (long)keep[i] - 1 : (long)~0U;
        if (i < 5 && keep[i] < 0) continue;
        if (upto >= (long)next) {
            if (syscall(SYS_close_range, next, (unsigned)upto, 0U) != 0) {
                long last = upto > 65535 ? 65535 : upto;
                for (long fd = next; fd <= last; fd++) (void)close((int)fd);
            }
        }
        if (i < 5) next = (unsigned)keep[i] + 1;
    }
}

// Kills every child of the keeper but none, round after round, until it has none: the keeper is a child subreaper,
// so whatever the program's tree left behind (setsid, double forks) is re-parented here when its parent dies, and
// each round's deaths re-parent the next generation. Raw system calls and a stack buffer only (no allocation after
// the clone): /proc/PID/task/PID/children lists the children of the keeper's one thread.
static void end_adopted(void) {
    char path[64] = "/proc/";
    char digits[16];
    long pid = syscall(SYS_getpid);
    int n = 0;
    do {
        digits[n++] = (char)('0' + pid % 10);
        pid /= 10;
    } while (pid > 0 && n < 15);
    size_t at = 6;
    for (int round = 0; round < 2; round++) {
        for (int i = n - 1; i >= 0; i--) path[at++] = digits[i];
        const char *middle = round == 0 ? "/task/" : "/children";
        for (const char *c = middle; *c; c++) path[at++] = *c;
    }
    path[at] = 0;
    for (int round = 0; round < 64; round++) {
        int fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC, 0);
        char text[4096];
        long length = 0;
        if (fd >= 0) {
            long got;
            while (length < (long)sizeof text - 1 &&
                   (got = syscall(SYS_read, fd, text + length, sizeof text - 1 - (size_t)length)) > 0) {
                length += got;
            }
            (void)close(fd);
        }
        long child = -1;
        for (long i = 0; i <= length; i++) {
            char c = i < length ? text[i] : ' ';
            if (c >= '0' && c <= '9') {
                child = (child < 0 ? 0 : child * 10) + (c - '0');
            } else if (child > 0) {
                // Killed, then reaped by pid: a blocking wait for anyone could wait on a child adopted meanwhile,
                // which nobody has killed yet (the next round does).
                (void)kill((pid_t)child, SIGKILL);
                int status;
                while (waitpid((pid_t)child, &status, __WALL) < 0 && errno == EINTR) {
                }
                child = -1;
            }
        }
        if (length == 0) return;
    }
}

static void keeper(const char *path, char *const argv[], char *const envp[], const char *cwd, const int fds[3],
                   int flags, const dokuen_credentials *credentials, int error_fd, int report_fd) {
    // SIGCHLD must not stay ignored here (the caller's SIG_IGN would reap the program behind our back); every
    // signal stays blocked, so the keeper ends only by SIGKILL or after reporting.
    uint64_t dfl[8];
    memset(dfl, 0, sizeof dfl);
    (void)syscall(SYS_rt_sigaction, SIGCHLD, dfl, NULL, sizeof(uint64_t));

    // First of all, drop every fd of the caller's that the program does not need. This copy of the daemon never
    // execs, so O_CLOEXEC closes nothing here: a file another thread had open for writing at the clone (a script
    // being written) would stay open in the keeper, and exec of that file would fail with ETXTBSY meanwhile.
    close_all_but(fds, error_fd, report_fd);
    // What the program's tree leaves behind comes here, to be ended with it (`end_adopted`): no build step leaves
    // a process running after its end, `setsid` included (docs/ISOLATION.md).
    (void)syscall(SYS_prctl, PR_SET_CHILD_SUBREAPER, 1UL, 0UL, 0UL, 0UL);

    long program = syscall(SYS_clone, (unsigned long)SIGCHLD, NULL, NULL, NULL, NULL);
    if (program == 0) exclusive_child(path, argv, envp, cwd, fds, flags, credentials, error_fd);
    if (program < 0) {
        write_int(error_fd, errno);
        _exit(1);
    }
    // Keep nothing of the caller's but the report pipe: a copy of another step's output pipe held here would delay
    // that step's end of file. Closing the error pipe lets the caller see end of file once the program execs.
    if (report_fd > 0) (void)syscall(SYS_close_range, 0U, (unsigned)report_fd - 1, 0U);
    if (syscall(SYS_close_range, (unsigned)report_fd + 1, ~0U, 0U) != 0) {
        for (int fd = report_fd + 1; fd < 65536; fd++) (void)close(fd);
    }
    write_int(report_fd, (int)program);

    siginfo_t info;
    int rc;
    do {
        memset(&info, 0, sizeof info);
        rc = waitid(P_PID, (id_t)program, &info, WEXITED | WNOWAIT);
    } while (rc != 0 && errno == EINTR);
    if (flags & (DOKUEN_SPAWN_NEW_SESSION | DOKUEN_SPAWN_NEW_PROCESS_GROUP)) (void)kill(-(pid_t)program, SIGKILL);
    int status = 0;
    pid_t reaped;
    do {
        reaped = waitpid((pid_t)program, &status, 0);
    } while (reaped < 0 && errno == EINTR);
    end_adopted();
    write_int(report_fd, status);
    _exit(0);
}

int dokuen_spawn_exclusive(const char *path, char *const argv[], char *const envp[], const char *cwd, int stdin_fd,
                           int stdout_fd, int stderr_fd, int flags, const dokuen_credentials *credentials,
                           pid_t *pid, int *keeper_pidfd, int *report_fd) {
    int error_pipe[2], report_pipe[2];
    if (pipe2(error_pipe, O_CLOEXEC) != 0) return errno;
    if (pipe2(report_pipe, O_CLOEXEC) != 0) {
        int saved_errno = errno;
        close(error_pipe[0]);
        close(error_pipe[1]);
        return saved_errno;
    }
    const int fds[3] = {stdin_fd, stdout_fd, stderr_fd};

    // Block every signal in this thread across the clone, so the keeper cannot run a handler of ours; the
    // parent's mask is restored right after.
    sigset_t all, saved;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &saved);

    int child_pidfd = -1;
    struct clone_args args;
    memset(&args, 0, sizeof args);
    args.flags = CLONE_PIDFD;
    args.pidfd = (uint64_t)(uintptr_t)&child_pidfd;
    args.exit_signal = 0;  // no SIGCHLD: invisible to waitpid(-1), and never auto-reaped under SIGCHLD=SIG_IGN
    long child = syscall(SYS_clone3, &args, sizeof args);
    if (child < 0 && errno == ENOSYS) {
        // clone3 is missing (kernel < 5.3, or a seccomp filter): the old clone has the same flags; its first three
        // arguments (flags, stack, parent_tid where CLONE_PIDFD stores the fd) are in the same order everywhere.
        child = syscall(SYS_clone, (unsigned long)CLONE_PIDFD, NULL, &child_pidfd, NULL, NULL);
    }
    if (child == 0) {
        close(error_pipe[0]);
        close(report_pipe[0]);
        keeper(path, argv, envp, cwd, fds, flags, credentials, error_pipe[1], report_pipe[1]);
    }
    int clone_errno = errno;
    pthread_sigmask(SIG_SETMASK, &saved, NULL);
    close(error_pipe[1]);
    close(report_pipe[1]);
    if (child < 0) {
        close(error_pipe[0]);
        close(report_pipe[0]);
        return clone_errno;
    }

    int child_errno = 0;
    ssize_t got;
    do {
        got = read(error_pipe[0], &child_errno, sizeof child_errno);
    } while (got < 0 && errno == EINTR);
    close(error_pipe[0]);
    int program = -1;
    if (got == 0) {
        do {
            got = read(report_pipe[0], &program, sizeof program);
        } while (got < 0 && errno == EINTR);
    }
    if (got != (ssize_t)sizeof program || program <= 0 || child_errno != 0) {
        // The program did not start: the keeper reports its status (127) and exits; reap it.
        int status;
        close(report_pipe[0]);
        (void)dokuen_pidfd_reap(child_pidfd, &status);
        close(child_pidfd);
        return child_errno != 0 ? child_errno : EIO;
    }
    *pid = (pid_t)program;
    *keeper_pidfd = child_pidfd;
    *report_fd = report_pipe[0];
    return 0;
}

int dokuen_exclusive_status(int report_fd, int keeper_pidfd, int *status) {
    int value = 0;
    ssize_t got;
    do {
        got = read(report_fd, &value, sizeof value);
    } while (got < 0 && errno == EINTR);
    int keeper_status;
    int reaped = dokuen_pidfd_reap(keeper_pidfd, &keeper_status);
    if (got != (ssize_t)sizeof value) {
        errno = got < 0 ? errno : (reaped == 0 ? EPIPE : ECHILD);
        return -1;
    }
    *status = value;
    return 0;
}

int dokuen_pidfd_reap(int pidfd, int *status) {
    siginfo_t info;
    int rc;
    do {
        memset(&info, 0, sizeof info);
        rc = waitid((idtype_t)P_PIDFD, (id_t)pidfd, &info, WEXITED | __WALL);
    } while (rc != 0 && errno == EINTR);
    if (rc != 0) return -1;
    switch (info.si_code) {
    case CLD_EXITED: *status = (info.si_status & 0xff) << 8; break;
    case CLD_DUMPED: *status = (info.si_status & 0x7f) | 0x80; break;
    default: *status = info.si_status & 0x7f; break;  // CLD_KILLED
    }
    return 0;
}

#else

int dokuen_spawn_exclusive(const char *path, char *const argv[], char *const envp[], const char *cwd, int stdin_fd,
                           int stdout_fd, int stderr_fd, int flags, const dokuen_credentials *credentials,
                           pid_t *pid, int *keeper_pidfd, int *report_fd) {
    (void)path, (void)argv, (void)envp, (void)cwd, (void)stdin_fd, (void)stdout_fd, (void)stderr_fd, (void)flags;
    (void)credentials, (void)pid, (void)keeper_pidfd, (void)report_fd;
    return ENOSYS;
}

int dokuen_exclusive_status(int report_fd, int keeper_pidfd, int *status) {
    (void)report_fd, (void)keeper_pidfd, (void)status;
    errno = ENOSYS;
    return -1;
}

int dokuen_pidfd_reap(int pidfd, int *status) {
    (void)pidfd;
    (void)status;
    errno = ENOSYS;
    return -1;
}

#endif
