#define _GNU_SOURCE
#include "CDokuenShim.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

static int saved_argc;
static char **saved_argv;

// glibc passes argc, argv and envp to ELF constructors.
__attribute__((constructor)) static void dokuen_save_arguments(int argc, char **argv, char **envp) {
    (void)envp;
    saved_argc = argc;
    saved_argv = argv;
}

int dokuen_argc(void) { return saved_argc; }
char **dokuen_argv(void) { return saved_argv; }
char **dokuen_environ(void) { return environ; }
int dokuen_errno(void) { return errno; }
int dokuen_open(const char *path, int flags, mode_t mode) { return open(path, flags | O_CLOEXEC, mode); }
ssize_t dokuen_receive(int fd, void *buffer, size_t length) { return recv(fd, buffer, length, MSG_DONTWAIT); }

int dokuen_pipe(int fds[2]) { return pipe2(fds, O_CLOEXEC); }
int dokuen_set_pipe_size(int fd, int bytes) { return fcntl(fd, F_SETPIPE_SZ, bytes); }

int dokuen_set_nonblocking(int fd) {
    int flags = fcntl(fd, F_GETFL);
    return flags < 0 ? -1 : fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

int dokuen_signalfd_setup(void) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    if (sigprocmask(SIG_BLOCK, &set, NULL) != 0) return -1;
    signal(SIGPIPE, SIG_IGN);
    return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

int dokuen_signalfd_next(int fd) {
    struct signalfd_siginfo info;
    ssize_t n = read(fd, &info, sizeof info);
    if (n == (ssize_t)sizeof info) return (int)info.ssi_signo;
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return 0;
    return -1;
}

int dokuen_become_subreaper(void) { return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); }

int dokuen_reap_one(int *signaled, int *value) {
    int status = 0;
    pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid <= 0) return pid;
    if (WIFSIGNALED(status)) {
        *signaled = 1;
        *value = WTERMSIG(status);
    } else {
        *signaled = 0;
        *value = WEXITSTATUS(status);
    }
    return pid;
}

int dokuen_group_alive(pid_t pgid) { return pgid > 0 && (kill(-pgid, 0) == 0 || errno == EPERM); }

// One line of /proc/<pid>/stat, as much as the descendant scan needs (proc(5)).
struct process_entry {
    pid_t pid;
    pid_t ppid;
    pid_t pgrp;
    int live;
};

static int compare_pids(const void *a, const void *b) {
    pid_t x = ((const struct process_entry *)a)->pid;
    pid_t y = ((const struct process_entry *)b)->pid;
    return (x > y) - (x < y);
}

// Every process, sorted by pid; NULL when /proc cannot be read. A zombie runs nothing and is not `live`, but stays in
// the table: its ppid link still leads up the tree. A thread group whose leader has exited shows the leader's Z while
// its other threads run, so a Z with more than one thread is live.
static struct process_entry *read_processes(size_t *count) {
    DIR *dir = opendir("/proc");
    if (dir == NULL) return NULL;
    size_t capacity = 512;
    size_t used = 0;
    struct process_entry *entries = malloc(capacity * sizeof *entries);
    struct dirent *item;
    while (entries != NULL && (item = readdir(dir)) != NULL) {
        char *end;
        long pid = strtol(item->d_name, &end, 10);
        if (*end != 0 || pid <= 0) continue;
        char path[64];
        snprintf(path, sizeof path, "/proc/%ld/stat", pid);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) continue;  // it has just exited
        char line[512];
        ssize_t length = read(fd, line, sizeof line - 1);
        close(fd);
        if (length <= 0) continue;
        line[length] = 0;
        // "pid (comm) state ppid pgrp ...": comm may hold anything, ')' too, so parse from its last ')'.
        char *after = strrchr(line, ')');
        char state;
        int ppid;
        int pgrp;
        long threads;
        if (after == NULL || sscanf(after + 1, " %c %d %d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %ld",
                                    &state, &ppid, &pgrp, &threads) != 4) {
            continue;
        }
        if (used == capacity) {
            capacity *= 2;
            struct process_entry *grown = realloc(entries, capacity * sizeof *entries);
            if (grown == NULL) break;
            entries = grown;
        }
        int live = (state != 'Z' && state != 'X') || threads > 1;
        entries[used++] = (struct process_entry){.pid = (pid_t)pid, .ppid = ppid, .pgrp = pgrp, .live = live};
    }
    closedir(dir);
    if (entries != NULL) qsort(entries, used, sizeof *entries, compare_pids);
    *count = used;
    return entries;
}

// Whether entry descends from root, following ppid links through the sorted table (bounded: pids form a tree).
static int descends_from(const struct process_entry *entries, size_t count, const struct process_entry *entry,
                         pid_t root) {
    for (size_t depth = 0; depth < count && entry != NULL; depth++) {
        if (entry->ppid == root) return 1;
        if (entry->ppid <= 1) return 0;
        struct process_entry key = {.pid = entry->ppid};
        entry = bsearch(&key, entries, count, sizeof *entries, compare_pids);
    }
    return 0;
}

int dokuen_signal_descendants(pid_t skip_pgid, int signal_number) {
    pid_t self = getpid();
    size_t signalled_capacity = 64;
    size_t signalled_count = 0;
    pid_t *signalled = malloc(signalled_capacity * sizeof *signalled);
    if (signalled == NULL) return -1;
    // Scan again after signalling: a descendant may have forked between the scan and the signal. Bounded, so that
    // a fork bomb cannot hold the shim here; the teardown's next step comes back anyway.
    for (int round = 0; round < 16; round++) {
        size_t count = 0;
        struct process_entry *entries = read_processes(&count);
        if (entries == NULL) {
            free(signalled);
            return -1;
        }
        size_t before = signalled_count;
        for (size_t i = 0; i < count; i++) {
            const struct process_entry *entry = &entries[i];
            if (!entry->live || (skip_pgid > 0 && entry->pgrp == skip_pgid)) continue;
            if (!descends_from(entries, count, entry, self)) continue;
            int seen = 0;
            for (size_t j = 0; j < signalled_count && !seen; j++) seen = signalled[j] == entry->pid;
            if (seen) continue;
            if (signalled_count == signalled_capacity) {
                pid_t *grown = realloc(signalled, 2 * signalled_capacity * sizeof *signalled);
                if (grown == NULL) break;
                signalled = grown;
                signalled_capacity *= 2;
            }
            kill(entry->pid, signal_number);
            signalled[signalled_count++] = entry->pid;
        }
        free(entries);
        if (signalled_count == before) break;
    }
    free(signalled);
    return (int)signalled_count;
}

int dokuen_count_descendants(void) {
    pid_t self = getpid();
    size_t count = 0;
    struct process_entry *entries = read_processes(&count);
    if (entries == NULL) return -1;
    int found = 0;
    for (size_t i = 0; i < count; i++) found += entries[i].live && descends_from(entries, count, &entries[i], self);
    free(entries);
    return found;
}

// The files themselves, read with fgetpwent(3) and fgetgrent(3), not getpwnam(3): the release shim links glibc
// statically, and a static program cannot load the NSS modules that nsswitch.conf names (Debian's "systemd" one
// crashed it). dokuend passes ids and looks nothing up here (docs/SHIM.md).
int dokuen_lookup_user(const char *name, uid_t *uid, gid_t *gid, gid_t *groups, int *group_count) {
    FILE *users = fopen("/etc/passwd", "re");
    if (users == NULL) return -1;
    int found = 0;
    struct passwd *entry;
    while (!found && (entry = fgetpwent(users)) != NULL) {
        if (strcmp(entry->pw_name, name) == 0) {
            *uid = entry->pw_uid;
            *gid = entry->pw_gid;
            found = 1;
        }
    }
    fclose(users);
    if (!found || *group_count < 1) return -1;
    int count = 0;
    groups[count++] = *gid;
    FILE *group_file = fopen("/etc/group", "re");
    if (group_file != NULL) {
        struct group *group;
        while ((group = fgetgrent(group_file)) != NULL) {
            if (group->gr_gid == *gid) continue;
            for (char **member = group->gr_mem; member != NULL && *member != NULL; member++) {
                if (strcmp(*member, name) != 0) continue;
                // More groups than room: the rest are left out.
                if (count < *group_count) groups[count++] = group->gr_gid;
                break;
            }
        }
        fclose(group_file);
    }
    *group_count = count;
    return 0;
}

static int fill_address(struct sockaddr_un *address, const char *path) {
    memset(address, 0, sizeof *address);
    address->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof address->sun_path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    strcpy(address->sun_path, path);
    return 0;
}

int dokuen_bind_datagram(const char *path) {
    struct sockaddr_un address;
    if (fill_address(&address, path) != 0) return -1;
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return -1;
    unlink(path);
    if (bind(fd, (struct sockaddr *)&address, sizeof address) != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

void dokuen_send_datagram(const char *path, const char *message, size_t length) {
    struct sockaddr_un address;
    if (fill_address(&address, path) != 0) return;
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return;
    // dokuend's queue holds only net.unix.max_dgram_qlen datagrams (10 by default): a fleet starting at once fills it
    // and a non-blocking send then fails with EAGAIN. dokuend reads a status only when an event names it, so wait a
    // little for room: connected, the socket polls writable once the receiver's queue has some (unix(7)). The wait
    // is bounded, so a stopped or hung dokuend costs a shim at most 200 ms per change.
    if (connect(fd, (struct sockaddr *)&address, sizeof address) == 0) {
        for (int wait = 0;; wait++) {
            if (send(fd, message, length, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0 || errno != EAGAIN || wait == 4) break;
            struct pollfd entry = {.fd = fd, .events = POLLOUT};
            if (poll(&entry, 1, 50) < 0 && errno != EINTR) break;
        }
    }
    close(fd);
}

int dokuen_port_accepts(int port, int timeout_ms) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return 0;
    struct sockaddr_in address;
    memset(&address, 0, sizeof address);
    address.sin_family = AF_INET;
    address.sin_port = htons((uint16_t)port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int accepted = 0;
    if (connect(fd, (struct sockaddr *)&address, sizeof address) == 0) {
        accepted = 1;
    } else if (errno == EINPROGRESS) {
        struct pollfd entry = {.fd = fd, .events = POLLOUT};
        if (poll(&entry, 1, timeout_ms) == 1) {
            int error = 0;
            socklen_t size = sizeof error;
            accepted = getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size) == 0 && error == 0;
        }
    }
    close(fd);
    return accepted;
}

int64_t dokuen_monotonic_ms(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

int64_t dokuen_realtime_ms(void) {
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

void dokuen_format_timestamp(int64_t realtime_ms, char out[32]) {
    time_t seconds = (time_t)(realtime_ms / 1000);
    struct tm utc;
    gmtime_r(&seconds, &utc);
    snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ ", utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday,
             utc.tm_hour, utc.tm_min, utc.tm_sec, (int)(realtime_ms % 1000));
}
