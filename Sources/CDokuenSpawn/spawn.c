#define _GNU_SOURCE
#include "CDokuenSpawn.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#if defined(__linux__)
#include <linux/sched.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#endif

int dokuen_wifexited(int status) { return WIFEXITED(status); }
int dokuen_wexitstatus(int status) { return WEXITSTATUS(status); }
int dokuen_wifsignaled(int status) { return WIFSIGNALED(status); }
int dokuen_wtermsig(int status) { return WTERMSIG(status); }

int dokuen_pidfd_open(pid_t pid) {
#if defined(__linux__) && defined(SYS_pidfd_open)
    return (int)syscall(SYS_pidfd_open, pid, 0);
#else
    (void)pid;
    errno = ENOSYS;
    return -1;
#endif
}

// The steps of a child's start, reported by index through the error pipe: nothing is allocated after the fork.
static const char *const spawn_steps[] = {"spawn",   "sigaction", "setsid",    "dup2",      "setpriority",
                                          "setrlimit", "setgroups", "setresgid", "setresuid", "chdir",
                                          "prctl",   "check parent", "execve"};
enum {
    STEP_SPAWN,
    STEP_SIGNALS,
    STEP_SESSION,
    STEP_FDS,
    STEP_NICE,
    STEP_RLIMIT,
    STEP_GROUPS,
    STEP_GID,
    STEP_UID,
    STEP_CHDIR,
    STEP_PDEATHSIG,
    STEP_PARENT,
    STEP_EXEC
};

// What the child writes to the error pipe when a step fails; end of file instead means that execve succeeded.
struct report {
    int error;
    int step;
};

static int fail_with(struct dokuen_spawn_failure *failure, int error, int step) {
    int count = (int)(sizeof spawn_steps / sizeof spawn_steps[0]);
    failure->error = error;
    failure->step = step >= 0 && step < count ? spawn_steps[step] : "spawn";
    return error;
}

// close_range(2), or -1 with ENOSYS where there is none.
static int close_range_of(unsigned first, unsigned last) {
#if defined(__linux__) && defined(SYS_close_range)
    return (int)syscall(SYS_close_range, first, last, 0U);
#else
    (void)first, (void)last;
    errno = ENOSYS;
    return -1;
#endif
}

// Closes every fd from `lowest` up but the `count` fds of `keep` (any order; negative ones are ignored): one
// close_range(2) per gap, a loop of close(2) where close_range is missing. No allocation: it runs after fork.
static void close_from_except(int lowest, const int *keep, int count) {
    int sorted[DOKUEN_SPAWN_MAX_FD_ACTIONS + 4];
    int used = 0;
    for (int i = 0; i < count && used < (int)(sizeof sorted / sizeof sorted[0]); i++) {
        if (keep[i] < lowest) continue;
        int j = used++;
        for (; j > 0 && sorted[j - 1] > keep[i]; j--) sorted[j] = sorted[j - 1];
        sorted[j] = keep[i];
    }
    long next = lowest;
    for (int i = 0; i <= used; i++) {
        long upto = i < used ? (long)sorted[i] - 1 : (long)~0U;
        if (upto >= next && close_range_of((unsigned)next, (unsigned)upto) != 0) {
            long last = upto > 65535 ? 65535 : upto;
            for (long fd = next; fd <= last; fd++) (void)close((int)fd);
        }
        if (i < used) next = (long)sorted[i] + 1;
    }
}

void dokuen_close_all_except(const int *keep, int count) { close_from_except(3, keep, count); }

// The rlimit(2) resource of a DOKUEN_LIMIT_* code, or -1.
static int limit_resource(int code) {
    switch (code) {
    case DOKUEN_LIMIT_NOFILE: return RLIMIT_NOFILE;
    case DOKUEN_LIMIT_NPROC: return RLIMIT_NPROC;
    case DOKUEN_LIMIT_CORE: return RLIMIT_CORE;
    default: return -1;
    }
}

// Every signal back to its default disposition. On Linux the raw call, for 1–64: glibc's sigaction refuses its own
// 32 and 33, which may be ignored in the parent and would stay ignored across exec. An all-zero kernel sigaction is
// SIG_DFL with no flags on every architecture, whatever the struct's layout.
static void reset_signal_dispositions(void) {
#if defined(__linux__)
    uint64_t dfl[8];
    memset(dfl, 0, sizeof dfl);
    for (int sig = 1; sig <= 64; sig++) {
        if (sig != SIGKILL && sig != SIGSTOP) (void)syscall(SYS_rt_sigaction, sig, dfl, NULL, sizeof(uint64_t));
    }
#else
    for (int sig = 1; sig < NSIG; sig++) {
        if (sig != SIGKILL && sig != SIGSTOP) (void)signal(sig, SIG_DFL);
    }
#endif
}

// The child, between fork (or the keeper's clone) and execve. It is a copy of one thread of a possibly
// multi-threaded process, so it makes raw system calls only: no lock another thread may have held (malloc, stdio),
// and not glibc's setuid/setgid/setgroups, which signal every thread of the parent to change credentials together
// (nptl "setxid"). Every signal is blocked on entry (the spawner blocked them across the fork), so no handler of the
// parent runs here; the mask is emptied just before execve. `parent` is the process PDEATHSIG watches.
static void child_exec(const struct dokuen_spawn_request *r, int error_fd, pid_t parent) {
    int step = STEP_SIGNALS;
    reset_signal_dispositions();

    step = STEP_SESSION;
    if ((r->flags & DOKUEN_SPAWN_NEW_SESSION) && setsid() < 0) goto fail;
    if (!(r->flags & DOKUEN_SPAWN_NEW_SESSION) && (r->flags & DOKUEN_SPAWN_NEW_PROCESS_GROUP) && setpgid(0, 0) != 0) {
        goto fail;
    }

    // Every source and the error pipe go above every target first, so that no action overwrites what a later one
    // reads. F_DUPFD takes the lowest free number from there: it works under any fd limit.
    step = STEP_FDS;
    int base = 3;
    for (int i = 0; i < r->fd_action_count; i++) {
        if (r->fd_actions[i].target >= base) base = r->fd_actions[i].target + 1;
    }
    if (error_fd < base) {
        int moved = fcntl(error_fd, F_DUPFD_CLOEXEC, base);
        if (moved < 0) goto fail;
        error_fd = moved;
    }
    int sources[DOKUEN_SPAWN_MAX_FD_ACTIONS];
    int keep[DOKUEN_SPAWN_MAX_FD_ACTIONS + 1];
    int kept = 0;
    for (int i = 0; i < r->fd_action_count; i++) {
        sources[i] = r->fd_actions[i].source;
        if (r->fd_actions[i].kind == DOKUEN_FD_DUP2 && sources[i] < base) {
            sources[i] = fcntl(sources[i], F_DUPFD_CLOEXEC, base);
            if (sources[i] < 0) goto fail;
        }
    }
    for (int i = 0; i < r->fd_action_count; i++) {
        const struct dokuen_fd_action *action = &r->fd_actions[i];
        int source = sources[i];
        if (action->kind == DOKUEN_FD_CLOSE) {
            (void)close(action->target);
            continue;
        }
        if (action->kind == DOKUEN_FD_OPEN) {
            source = open(action->path, action->flags | O_CLOEXEC, action->mode);
            if (source < 0) goto fail;
        }
        if (source == action->target) {
            if (fcntl(source, F_SETFD, 0) != 0) goto fail;  // open may land on the target itself
        } else {
            if (dup2(source, action->target) < 0) goto fail;
            if (action->kind == DOKUEN_FD_OPEN) (void)close(source);
        }
        keep[kept++] = action->target;
    }
    // The error pipe stays until execve closes it (O_CLOEXEC), which tells the parent that exec happened.
    keep[kept++] = error_fd;
    close_from_except(3, keep, kept);

    // Always, 0 included: a thread's niceness is its own on Linux (sched(7)) and a fork copies the caller's, so a
    // child of one of dokuend's pool threads would keep their -2. Before the credential change, which may forbid it.
    step = STEP_NICE;
    if (setpriority(PRIO_PROCESS, 0, r->nice) != 0 &&
        !((r->flags & DOKUEN_SPAWN_NICE_BEST_EFFORT) && (errno == EACCES || errno == EPERM))) {
        goto fail;
    }
    // Before the credential change too, so that a hard limit can be raised. RLIMIT_NPROC counts the processes of
    // the real uid, but the kernel checks it at fork and execve, so it applies to the user switched to below.
    step = STEP_RLIMIT;
    for (int i = 0; i < r->limit_count; i++) {
        int resource = limit_resource(r->limits[i].resource);
        if (resource < 0) {
            errno = EINVAL;
            goto fail;
        }
        rlim_t value = r->limits[i].value < 0 ? RLIM_INFINITY : (rlim_t)r->limits[i].value;
        struct rlimit limit = {.rlim_cur = value, .rlim_max = value};
        if (setrlimit(resource, &limit) != 0) goto fail;
    }
    const dokuen_credentials *c = r->credentials;
    if (c != NULL) {
#if defined(__linux__)
        step = STEP_GROUPS;
        if (syscall(SYS_setgroups, (size_t)c->group_count, c->groups) != 0) goto fail;
        step = STEP_GID;
        if (syscall(SYS_setresgid, c->gid, c->gid, c->gid) != 0) goto fail;
        step = STEP_UID;
        if (syscall(SYS_setresuid, c->uid, c->uid, c->uid) != 0) goto fail;
#else
        step = STEP_GROUPS;
        if (setgroups(c->group_count, c->groups) != 0) goto fail;
        step = STEP_GID;
        if (setgid(c->gid) != 0) goto fail;
        step = STEP_UID;
        if (setuid(c->uid) != 0) goto fail;
#endif
    }
    // After the credential change: the directory must be one the program itself may enter.
    step = STEP_CHDIR;
    if (r->cwd != NULL && chdir(r->cwd) != 0) goto fail;
#if defined(__linux__)
    if (r->flags & DOKUEN_SPAWN_DIE_WITH_PARENT) {
        // After the credential change, which clears it (prctl(2)); then make sure the parent did not die before.
        step = STEP_PDEATHSIG;
        if (syscall(SYS_prctl, PR_SET_PDEATHSIG, (unsigned long)SIGKILL, 0UL, 0UL, 0UL) != 0) goto fail;
        step = STEP_PARENT;
        if (getppid() != parent) {
            errno = ESRCH;
            goto fail;
        }
    }
#else
    (void)parent;
#endif
    step = STEP_SIGNALS;
    sigset_t none;
    sigemptyset(&none);
#if defined(__linux__)
    if (syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL, sizeof(uint64_t)) != 0) goto fail;
#else
    if (sigprocmask(SIG_SETMASK, &none, NULL) != 0) goto fail;
#endif
    step = STEP_EXEC;
    execve(r->path, r->argv, r->envp);
fail:;
    struct report report = {.error = errno, .step = step};
    ssize_t ignored = write(error_fd, &report, sizeof report);
    (void)ignored;
    _exit(127);
}

// Reads the child's report: 0 when the pipe closed without one (the child exec'd), else the errno, with *failure
// filled in.
static int read_report(int fd, struct dokuen_spawn_failure *failure) {
    struct report report;
    ssize_t got;
    do {
        got = read(fd, &report, sizeof report);
    } while (got < 0 && errno == EINTR);
    if (got == 0) return 0;
    if (got != (ssize_t)sizeof report) return fail_with(failure, got < 0 ? errno : EIO, STEP_SPAWN);
    return fail_with(failure, report.error, report.step);
}

// A full signal set, 32 and 33 included (glibc's sigfillset leaves them out).
static void fill_all(sigset_t *set) { memset(set, 0xff, sizeof *set); }

static int check(const struct dokuen_spawn_request *r, struct dokuen_spawn_failure *failure) {
    if (r->fd_action_count < 0 || r->fd_action_count > DOKUEN_SPAWN_MAX_FD_ACTIONS) {
        return fail_with(failure, EINVAL, STEP_SPAWN);
    }
    return 0;
}

// pipe(2) with O_CLOEXEC on both ends.
static int cloexec_pipe(int fds[2]) {
#if defined(__linux__)
    return pipe2(fds, O_CLOEXEC);
#else
    if (pipe(fds) != 0) return -1;
    (void)fcntl(fds[0], F_SETFD, FD_CLOEXEC);
    (void)fcntl(fds[1], F_SETFD, FD_CLOEXEC);
    return 0;
#endif
}

int dokuen_spawn(const struct dokuen_spawn_request *r, pid_t *pid, struct dokuen_spawn_failure *failure) {
    if (check(r, failure) != 0) return failure->error;
    int error_pipe[2];
    if (cloexec_pipe(error_pipe) != 0) return fail_with(failure, errno, STEP_SPAWN);
    // Every signal blocked in this thread across the fork, so that the child cannot run a handler of the parent's
    // before it has reset them; the thread's mask comes back right after.
    sigset_t all, saved;
    fill_all(&all);
    pthread_sigmask(SIG_SETMASK, &all, &saved);
    pid_t parent = getpid();
    pid_t child = fork();
    if (child == 0) {
        close(error_pipe[0]);
        child_exec(r, error_pipe[1], parent);
    }
    int fork_errno = errno;
    pthread_sigmask(SIG_SETMASK, &saved, NULL);
    close(error_pipe[1]);
    if (child < 0) {
        close(error_pipe[0]);
        return fail_with(failure, fork_errno, STEP_SPAWN);
    }
    int error = read_report(error_pipe[0], failure);
    close(error_pipe[0]);
    if (error != 0) {
        int status;
        while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
        }
        return error;
    }
    *pid = child;
    return 0;
}

#if defined(__linux__)

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

static void write_int(int fd, int value) {
    ssize_t rc;
    do {
        rc = write(fd, &value, sizeof value);
    } while (rc < 0 && errno == EINTR);
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

// The keeper: a copy of the caller that never execs, so it keeps exit_signal 0 (exec resets it to SIGCHLD, which
// is why the program itself cannot be the caller's child). It starts the program as its own ordinary child,
// reports the program's pid, waits for it, kills what is left of its group while the zombie still holds the group
// id, reaps it, and reports the wait status. Raw system calls only, as in child_exec.
static void keeper(const struct dokuen_spawn_request *r, int error_fd, int report_fd, pid_t parent) {
    // SIGCHLD must not stay ignored here (the caller's SIG_IGN would reap the program behind our back); every
    // signal stays blocked, so the keeper ends only by SIGKILL or after reporting.
    uint64_t dfl[8];
    memset(dfl, 0, sizeof dfl);
    (void)syscall(SYS_rt_sigaction, SIGCHLD, dfl, NULL, sizeof(uint64_t));
    // Asked to die with the caller (a restic run of dokuend's, docs/BACKUP.md): the keeper gets SIGKILL when the
    // caller's spawning thread ends, and the program, whose parent is the keeper, gets it in turn (child_exec arms
    // it there too). A caller already gone: nobody waits for a report.
    if (r->flags & DOKUEN_SPAWN_DIE_WITH_PARENT) {
        if (syscall(SYS_prctl, PR_SET_PDEATHSIG, (unsigned long)SIGKILL, 0UL, 0UL, 0UL) != 0 ||
            syscall(SYS_getppid) != parent) {
            _exit(1);
        }
    }

    // First of all, drop every fd of the caller's that the program does not need. This copy of the daemon never
    // execs, so O_CLOEXEC closes nothing here: a file another thread had open for writing at the clone (a script
    // being written) would stay open in the keeper, and exec of that file would fail with ETXTBSY meanwhile.
    int keep[DOKUEN_SPAWN_MAX_FD_ACTIONS + 2];
    int kept = 0;
    for (int i = 0; i < r->fd_action_count; i++) {
        if (r->fd_actions[i].kind == DOKUEN_FD_DUP2) keep[kept++] = r->fd_actions[i].source;
    }
    keep[kept++] = error_fd;
    keep[kept++] = report_fd;
    close_from_except(0, keep, kept);
    // What the program's tree leaves behind comes here, to be ended with it (`end_adopted`): no build step leaves
    // a process running after its end, `setsid` included (docs/ISOLATION.md).
    (void)syscall(SYS_prctl, PR_SET_CHILD_SUBREAPER, 1UL, 0UL, 0UL, 0UL);

    pid_t self = (pid_t)syscall(SYS_getpid);
    long program = syscall(SYS_clone, (unsigned long)SIGCHLD, NULL, NULL, NULL, NULL);
    if (program == 0) child_exec(r, error_fd, self);
    if (program < 0) {
        struct report report = {.error = errno, .step = STEP_SPAWN};
        ssize_t ignored = write(error_fd, &report, sizeof report);
        (void)ignored;
        _exit(1);
    }
    // Keep nothing of the caller's but the report pipe: a copy of another step's output pipe held here would delay
    // that step's end of file. Closing the error pipe lets the caller see end of file once the program execs.
    close_from_except(0, &report_fd, 1);
    write_int(report_fd, (int)program);

    siginfo_t info;
    int rc;
    do {
        memset(&info, 0, sizeof info);
        rc = waitid(P_PID, (id_t)program, &info, WEXITED | WNOWAIT);
    } while (rc != 0 && errno == EINTR);
    if (r->flags & (DOKUEN_SPAWN_NEW_SESSION | DOKUEN_SPAWN_NEW_PROCESS_GROUP)) (void)kill(-(pid_t)program, SIGKILL);
    int status = 0;
    pid_t reaped;
    do {
        reaped = waitpid((pid_t)program, &status, 0);
    } while (reaped < 0 && errno == EINTR);
    end_adopted();
    write_int(report_fd, status);
    _exit(0);
}

int dokuen_spawn_exclusive(const struct dokuen_spawn_request *r, pid_t *pid, int *keeper_pidfd, int *report_fd,
                           struct dokuen_spawn_failure *failure) {
    if (check(r, failure) != 0) return failure->error;
    int error_pipe[2], report_pipe[2];
    if (pipe2(error_pipe, O_CLOEXEC) != 0) return fail_with(failure, errno, STEP_SPAWN);
    if (pipe2(report_pipe, O_CLOEXEC) != 0) {
        int saved_errno = errno;
        close(error_pipe[0]);
        close(error_pipe[1]);
        return fail_with(failure, saved_errno, STEP_SPAWN);
    }

    // Every signal blocked in this thread across the clone, so the keeper cannot run a handler of ours; the
    // parent's mask is restored right after.
    sigset_t all, saved;
    fill_all(&all);
    pthread_sigmask(SIG_SETMASK, &all, &saved);

    int child_pidfd = -1;
    struct clone_args args;
    memset(&args, 0, sizeof args);
    args.flags = CLONE_PIDFD;
    args.pidfd = (uint64_t)(uintptr_t)&child_pidfd;
    args.exit_signal = 0;  // no SIGCHLD: invisible to waitpid(-1), and never auto-reaped under SIGCHLD=SIG_IGN
    pid_t caller = getpid();
    long child = syscall(SYS_clone3, &args, sizeof args);
    if (child < 0 && errno == ENOSYS) {
        // clone3 is missing (kernel < 5.3, or a seccomp filter): the old clone has the same flags; its first three
        // arguments (flags, stack, parent_tid where CLONE_PIDFD stores the fd) are in the same order everywhere.
        child = syscall(SYS_clone, (unsigned long)CLONE_PIDFD, NULL, &child_pidfd, NULL, NULL);
    }
    if (child == 0) {
        close(error_pipe[0]);
        close(report_pipe[0]);
        keeper(r, error_pipe[1], report_pipe[1], caller);
    }
    int clone_errno = errno;
    pthread_sigmask(SIG_SETMASK, &saved, NULL);
    close(error_pipe[1]);
    close(report_pipe[1]);
    if (child < 0) {
        close(error_pipe[0]);
        close(report_pipe[0]);
        return fail_with(failure, clone_errno, STEP_SPAWN);
    }

    int error = read_report(error_pipe[0], failure);
    close(error_pipe[0]);
    int program = -1;
    ssize_t got = 0;
    if (error == 0) {
        do {
            got = read(report_pipe[0], &program, sizeof program);
        } while (got < 0 && errno == EINTR);
        if (got != (ssize_t)sizeof program || program <= 0) error = fail_with(failure, EIO, STEP_SPAWN);
    }
    if (error != 0) {
        // The program did not start: the keeper reports its status (127) and exits; reap it.
        int status;
        close(report_pipe[0]);
        (void)dokuen_pidfd_reap(child_pidfd, &status);
        close(child_pidfd);
        return error;
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

int dokuen_spawn_exclusive(const struct dokuen_spawn_request *r, pid_t *pid, int *keeper_pidfd, int *report_fd,
                           struct dokuen_spawn_failure *failure) {
    (void)r, (void)pid, (void)keeper_pidfd, (void)report_fd;
    return fail_with(failure, ENOSYS, STEP_SPAWN);
}

int dokuen_exclusive_status(int report_fd, int keeper_pidfd, int *status) {
    (void)report_fd, (void)keeper_pidfd, (void)status;
    errno = ENOSYS;
    return -1;
}

int dokuen_pidfd_reap(int pidfd, int *status) {
    (void)pidfd, (void)status;
    errno = ENOSYS;
    return -1;
}

#endif
