/*
 * sysfs-gpio-sim: the Linux sysfs GPIO ABI as a FUSE filesystem, so the real
 * GPIO driver (OnoffGpio over the unchanged onoff package and its epoll addon)
 * runs against simulated pins on a machine without GPIO.
 *
 *   sysfs-gpio-sim --chip NAME,LABEL,BASE,NGPIO [--chip ...] MOUNTPOINT
 *
 * Tree under MOUNTPOINT:
 *
 *   gpio/                       what the kernel shows at /sys/class/gpio:
 *     export, unexport          write a sysfs number (EINVAL: no such line or not exported, EBUSY: exported)
 *     gpiochipN/label|base|ngpio
 *     gpioN/direction           in | out; writing high | low makes an output at that raw level in one step
 *     gpioN/value               logical level (raw XOR active_low); writing an input is EPERM
 *     gpioN/edge                none | rising | falling | both (logical edges); EIO on an output
 *     gpioN/active_low          0 | 1
 *   sim/                        the test's side of the wire:
 *     pin/N                     read: the electrical level at pin N (what an output drives, else what
 *                               the outside world drives); write 0 | 1: the outside world drives pin N
 *     state                     read: one line per exported pin, for diagnostics
 *     log                       read: every accepted sysfs write ("export 593", "direction 593 high", ...)
 *                               and every change of a driven pin level ("drive 593 1"), oldest first
 *     fail                      write "N ATTRIBUTE" (e.g. "593 direction"): from now on writes to gpioN/ATTRIBUTE
 *                               fail with EIO, as on a line the pin controller refuses; write "clear" to undo
 *
 * Edges work as in the kernel: an edge on an input whose `edge` is not none
 * bumps the pin's event count, and every open `value` file whose reader has not
 * read since polls POLLPRI | POLLERR (sysfs_notify + kernfs_generic_poll).
 * Reading the file clears it for that open file. Waiters are woken with
 * fuse_notify_poll, so epoll(EPOLLPRI) on `value` behaves as on a board.
 *
 * Differences from a kernel, none of which onoff relies on: gpioN is a
 * directory, not a symlink into /sys/devices; there is no `device`,
 * `power`, `subsystem` or `uevent`; permissions are not checked (the caller is root).
 *
 * Runs single-threaded in the foreground; prints "ready" on stdout once
 * mounted; SIGTERM unmounts. Built by scripts/build-sysfs-gpio-sim.sh.
 */
#define FUSE_USE_VERSION 31

#include <errno.h>
#include <stdarg.h>
#include <fuse.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_CHIPS 16
#define DEFAULT_POLLMASK (POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM)

enum edge { EDGE_NONE, EDGE_RISING, EDGE_FALLING, EDGE_BOTH };
static const char *const EDGE_NAMES[] = { "none", "rising", "falling", "both" };

struct chip {
	char name[32];
	char label[64];
	int base;
	int ngpio;
};

struct pin {
	bool exported;
	bool out;
	bool active_low;
	enum edge edge;
	bool out_level;      /* raw level an output drives */
	bool world_level;    /* raw level the outside world drives (seen while an input) */
	unsigned event;      /* sysfs_notify count of `value` */
};

enum node_kind {
	N_NONE,
	N_ROOT, N_GPIO_DIR, N_SIM_DIR, N_SIM_PIN_DIR,
	N_EXPORT, N_UNEXPORT,
	N_CHIP_DIR, N_CHIP_LABEL, N_CHIP_BASE, N_CHIP_NGPIO,
	N_LINE_DIR, N_DIRECTION, N_VALUE, N_EDGE, N_ACTIVE_LOW,
	N_SIM_PIN, N_SIM_STATE, N_SIM_LOG, N_SIM_FAIL,
};

struct node {
	enum node_kind kind;
	int chip;   /* index into chips, for N_CHIP_* */
	int number; /* sysfs number, for N_LINE_* and N_SIM_PIN */
};

/* One open file: the kernfs `of->event` of a value file, and its pending poll handle. */
struct open_file {
	struct node node;
	unsigned seen;
	struct fuse_pollhandle *ph;
	struct open_file *next;
};

static struct chip chips[MAX_CHIPS];
static int chip_count;
static struct pin *pins;
static int pin_limit; /* pins[0 .. pin_limit-1] */
static struct open_file *open_files;

/* sim/fail: attribute writes that fail with EIO. */
#define MAX_FAILURES 32
static struct { int number; enum node_kind kind; } failures[MAX_FAILURES];
static int failure_count;

static bool failing(int number, enum node_kind kind)
{
	for (int i = 0; i < failure_count; i++)
		if (failures[i].number == number && failures[i].kind == kind)
			return true;
	return false;
}

/* sim/log: bounded; once full, one last line says so and nothing more is kept. */
#define LOG_LIMIT 65536
static char log_text[LOG_LIMIT];
static size_t log_used;
static bool log_full;

static void log_line(const char *format, ...) __attribute__((format(printf, 1, 2)));
static void log_line(const char *format, ...)
{
	char line[128];
	va_list args;
	va_start(args, format);
	int length = vsnprintf(line, sizeof line - 1, format, args);
	va_end(args);
	if (log_full || length < 0)
		return;
	if ((size_t)length >= sizeof line - 1)
		length = sizeof line - 2;
	line[length++] = '\n';
	static const char truncated[] = "(log full)\n";
	if (log_used + (size_t)length + sizeof truncated > LOG_LIMIT) {
		memcpy(log_text + log_used, truncated, sizeof truncated - 1);
		log_used += sizeof truncated - 1;
		log_full = true;
		return;
	}
	memcpy(log_text + log_used, line, (size_t)length);
	log_used += (size_t)length;
}

/* The level an exported or once-driven output puts on the pin changed (or started being driven). */
static void drive(int number, bool out, bool level)
{
	struct pin *pin = &pins[number];
	bool was_driving = pin->out, was_level = pin->out_level;
	pin->out = out;
	pin->out_level = level;
	if (out && (!was_driving || was_level != level))
		log_line("drive %d %d", number, level ? 1 : 0);
}

static bool line_exists(int number)
{
	for (int i = 0; i < chip_count; i++)
		if (number >= chips[i].base && number < chips[i].base + chips[i].ngpio)
			return true;
	return false;
}

static bool parse_int(const char *text, size_t size, int *out)
{
	char buf[32];
	if (size == 0 || size >= sizeof buf)
		return false;
	memcpy(buf, text, size);
	buf[size] = '\0';
	if (buf[size - 1] == '\n')
		buf[--size] = '\0';
	if (size == 0)
		return false;
	char *end;
	errno = 0;
	long value = strtol(buf, &end, 10);
	if (errno || *end != '\0' || value < -2147483647L || value > 2147483647L)
		return false;
	*out = (int)value;
	return true;
}

/* sysfs_streq: equal, ignoring one trailing newline on the written text. */
static bool streq(const char *text, size_t size, const char *word)
{
	if (size > 0 && text[size - 1] == '\n')
		size--;
	return strlen(word) == size && memcmp(text, word, size) == 0;
}

static bool logical_value(const struct pin *pin)
{
	bool raw = pin->out ? pin->out_level : pin->world_level;
	return raw != pin->active_low;
}

/* sysfs_notify on gpioN/value: every open value file of that pin becomes readable with POLLPRI. */
static void notify_value(int number)
{
	pins[number].event++;
	for (struct open_file *file = open_files; file; file = file->next) {
		if (file->node.kind == N_VALUE && file->node.number == number && file->ph) {
			fuse_notify_poll(file->ph);
			fuse_pollhandle_destroy(file->ph);
			file->ph = NULL;
		}
	}
}

static void set_world_level(int number, bool level)
{
	struct pin *pin = &pins[number];
	bool before = logical_value(pin);
	pin->world_level = level;
	bool after = logical_value(pin);
	if (!pin->exported || pin->out || before == after)
		return;
	if (pin->edge == EDGE_BOTH || (pin->edge == EDGE_RISING && after) || (pin->edge == EDGE_FALLING && !after))
		notify_value(number);
}

/* "/gpio/gpio12/value" and friends into a node; N_NONE when there is no such file now. */
static struct node resolve(const char *path)
{
	struct node node = { N_NONE, -1, -1 };
	char rest[64];
	int number, consumed = 0;

	if (strcmp(path, "/") == 0) { node.kind = N_ROOT; return node; }
	if (strcmp(path, "/gpio") == 0) { node.kind = N_GPIO_DIR; return node; }
	if (strcmp(path, "/sim") == 0) { node.kind = N_SIM_DIR; return node; }
	if (strcmp(path, "/sim/pin") == 0) { node.kind = N_SIM_PIN_DIR; return node; }
	if (strcmp(path, "/sim/state") == 0) { node.kind = N_SIM_STATE; return node; }
	if (strcmp(path, "/sim/log") == 0) { node.kind = N_SIM_LOG; return node; }
	if (strcmp(path, "/sim/fail") == 0) { node.kind = N_SIM_FAIL; return node; }
	if (strcmp(path, "/gpio/export") == 0) { node.kind = N_EXPORT; return node; }
	if (strcmp(path, "/gpio/unexport") == 0) { node.kind = N_UNEXPORT; return node; }

	if (sscanf(path, "/sim/pin/%d%n", &number, &consumed) == 1 && path[consumed] == '\0') {
		char canonical[32];
		snprintf(canonical, sizeof canonical, "/sim/pin/%d", number);
		if (strcmp(canonical, path) == 0 && number >= 0 && number < pin_limit && line_exists(number)) {
			node.kind = N_SIM_PIN;
			node.number = number;
		}
		return node;
	}
	for (int i = 0; i < chip_count; i++) {
		size_t length = strlen("/gpio/") + strlen(chips[i].name);
		if (strncmp(path, "/gpio/", 6) != 0 || strncmp(path + 6, chips[i].name, strlen(chips[i].name)) != 0)
			continue;
		node.chip = i;
		if (path[length] == '\0') node.kind = N_CHIP_DIR;
		else if (strcmp(path + length, "/label") == 0) node.kind = N_CHIP_LABEL;
		else if (strcmp(path + length, "/base") == 0) node.kind = N_CHIP_BASE;
		else if (strcmp(path + length, "/ngpio") == 0) node.kind = N_CHIP_NGPIO;
		else continue;
		return node;
	}
	node.chip = -1;
	rest[0] = '\0';
	if (sscanf(path, "/gpio/gpio%d%n", &number, &consumed) == 1) {
		char canonical[32];
		snprintf(canonical, sizeof canonical, "/gpio/gpio%d", number);
		if (strncmp(canonical, path, strlen(canonical)) != 0 || number < 0 || number >= pin_limit || !pins[number].exported)
			return node;
		snprintf(rest, sizeof rest, "%s", path + strlen(canonical));
		node.number = number;
		if (rest[0] == '\0') node.kind = N_LINE_DIR;
		else if (strcmp(rest, "/direction") == 0) node.kind = N_DIRECTION;
		else if (strcmp(rest, "/value") == 0) node.kind = N_VALUE;
		else if (strcmp(rest, "/edge") == 0) node.kind = N_EDGE;
		else if (strcmp(rest, "/active_low") == 0) node.kind = N_ACTIVE_LOW;
	}
	return node;
}

static bool is_dir(enum node_kind kind)
{
	return kind == N_ROOT || kind == N_GPIO_DIR || kind == N_SIM_DIR || kind == N_SIM_PIN_DIR || kind == N_CHIP_DIR || kind == N_LINE_DIR;
}

static int sim_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	(void)fi;
	struct node node = resolve(path);
	if (node.kind == N_NONE)
		return -ENOENT;
	memset(st, 0, sizeof *st);
	st->st_uid = getuid();
	st->st_gid = getgid();
	if (is_dir(node.kind)) {
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
		return 0;
	}
	st->st_nlink = 1;
	st->st_size = 4096; /* as sysfs reports for every attribute */
	switch (node.kind) {
	case N_EXPORT: case N_UNEXPORT: case N_SIM_FAIL: st->st_mode = S_IFREG | 0200; break;
	case N_CHIP_LABEL: case N_CHIP_BASE: case N_CHIP_NGPIO: case N_SIM_STATE: case N_SIM_LOG: st->st_mode = S_IFREG | 0444; break;
	default: st->st_mode = S_IFREG | 0644; break;
	}
	return 0;
}

static int sim_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t offset, struct fuse_file_info *fi,
		       enum fuse_readdir_flags flags)
{
	(void)offset; (void)fi; (void)flags;
	struct node node = resolve(path);
	char name[48];
	if (!is_dir(node.kind))
		return node.kind == N_NONE ? -ENOENT : -ENOTDIR;
	fill(buf, ".", NULL, 0, 0);
	fill(buf, "..", NULL, 0, 0);
	switch (node.kind) {
	case N_ROOT:
		fill(buf, "gpio", NULL, 0, 0);
		fill(buf, "sim", NULL, 0, 0);
		break;
	case N_GPIO_DIR:
		fill(buf, "export", NULL, 0, 0);
		fill(buf, "unexport", NULL, 0, 0);
		for (int i = 0; i < chip_count; i++)
			fill(buf, chips[i].name, NULL, 0, 0);
		for (int n = 0; n < pin_limit; n++) {
			if (!pins[n].exported)
				continue;
			snprintf(name, sizeof name, "gpio%d", n);
			fill(buf, name, NULL, 0, 0);
		}
		break;
	case N_SIM_DIR:
		fill(buf, "pin", NULL, 0, 0);
		fill(buf, "state", NULL, 0, 0);
		fill(buf, "log", NULL, 0, 0);
		fill(buf, "fail", NULL, 0, 0);
		break;
	case N_SIM_PIN_DIR:
		for (int n = 0; n < pin_limit; n++) {
			if (!line_exists(n))
				continue;
			snprintf(name, sizeof name, "%d", n);
			fill(buf, name, NULL, 0, 0);
		}
		break;
	case N_CHIP_DIR:
		fill(buf, "label", NULL, 0, 0);
		fill(buf, "base", NULL, 0, 0);
		fill(buf, "ngpio", NULL, 0, 0);
		break;
	case N_LINE_DIR:
		fill(buf, "direction", NULL, 0, 0);
		fill(buf, "value", NULL, 0, 0);
		fill(buf, "edge", NULL, 0, 0);
		fill(buf, "active_low", NULL, 0, 0);
		break;
	default:
		break;
	}
	return 0;
}

static int sim_open(const char *path, struct fuse_file_info *fi)
{
	struct node node = resolve(path);
	if (node.kind == N_NONE)
		return -ENOENT;
	if (is_dir(node.kind))
		return -EISDIR;
	struct open_file *file = calloc(1, sizeof *file);
	if (!file)
		return -ENOMEM;
	file->node = node;
	if (node.kind == N_VALUE)
		file->seen = pins[node.number].event; /* kernfs_fop_open */
	file->next = open_files;
	open_files = file;
	fi->fh = (uint64_t)(uintptr_t)file;
	fi->direct_io = 1; /* every read and write reaches us, as every sysfs access reaches the kernel */
	fi->nonseekable = 0;
	return 0;
}

static int sim_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	(void)path; (void)mode; (void)fi;
	return -EACCES; /* sysfs: no new files */
}

static int sim_release(const char *path, struct fuse_file_info *fi)
{
	(void)path;
	struct open_file *file = (struct open_file *)(uintptr_t)fi->fh;
	for (struct open_file **link = &open_files; *link; link = &(*link)->next) {
		if (*link == file) {
			*link = file->next;
			break;
		}
	}
	if (file->ph)
		fuse_pollhandle_destroy(file->ph);
	free(file);
	return 0;
}

static int sim_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	(void)size; (void)fi;
	return resolve(path).kind == N_NONE ? -ENOENT : 0; /* O_TRUNC on a sysfs attribute is a no-op */
}

static int render(const struct node *node, char *text, size_t size)
{
	switch (node->kind) {
	case N_CHIP_LABEL: return snprintf(text, size, "%s\n", chips[node->chip].label);
	case N_CHIP_BASE: return snprintf(text, size, "%d\n", chips[node->chip].base);
	case N_CHIP_NGPIO: return snprintf(text, size, "%d\n", chips[node->chip].ngpio);
	case N_DIRECTION: return snprintf(text, size, "%s\n", pins[node->number].out ? "out" : "in");
	case N_VALUE: return snprintf(text, size, "%d\n", logical_value(&pins[node->number]) ? 1 : 0);
	case N_EDGE: return snprintf(text, size, "%s\n", EDGE_NAMES[pins[node->number].edge]);
	case N_ACTIVE_LOW: return snprintf(text, size, "%d\n", pins[node->number].active_low ? 1 : 0);
	case N_SIM_PIN: {
		const struct pin *pin = &pins[node->number];
		return snprintf(text, size, "%d\n", (pin->out ? pin->out_level : pin->world_level) ? 1 : 0);
	}
	case N_SIM_STATE: {
		int used = 0;
		for (int n = 0; n < pin_limit && (size_t)used < size; n++) {
			const struct pin *pin = &pins[n];
			if (!pin->exported)
				continue;
			used += snprintf(text + used, size - used, "gpio%d direction=%s active_low=%d edge=%s value=%d level=%d\n", n,
					 pin->out ? "out" : "in", pin->active_low, EDGE_NAMES[pin->edge], logical_value(pin),
					 (pin->out ? pin->out_level : pin->world_level) ? 1 : 0);
		}
		return used;
	}
	default:
		return -1;
	}
}

static int sim_read(const char *path, char *buf, size_t size, off_t offset, struct fuse_file_info *fi)
{
	(void)path;
	struct open_file *file = (struct open_file *)(uintptr_t)fi->fh;
	static char text[65536];
	/* The pin may have been unexported under an open file: sysfs gives ENODEV then. */
	if (file->node.number >= 0 && file->node.kind != N_SIM_PIN && !pins[file->node.number].exported)
		return -ENODEV;
	if (file->node.kind == N_SIM_LOG) {
		if ((size_t)offset >= log_used)
			return 0;
		size_t count = log_used - (size_t)offset < size ? log_used - (size_t)offset : size;
		memcpy(buf, log_text + offset, count);
		return (int)count;
	}
	int length = render(&file->node, text, sizeof text);
	if (length < 0)
		return -EACCES; /* write-only: export, unexport */
	if ((size_t)length > sizeof text - 1)
		length = sizeof text - 1;
	if (file->node.kind == N_VALUE)
		file->seen = pins[file->node.number].event; /* kernfs_seq_show */
	if (offset >= length)
		return 0;
	size_t count = (size_t)(length - offset) < size ? (size_t)(length - offset) : size;
	memcpy(buf, text + offset, count);
	return (int)count;
}

static int write_export(const char *buf, size_t size, bool export)
{
	int number;
	if (!parse_int(buf, size, &number) || number < 0 || number >= pin_limit || !line_exists(number))
		return -EINVAL;
	struct pin *pin = &pins[number];
	if (export) {
		if (pin->exported)
			return -EBUSY;
		pin->exported = true; /* direction stays what the hardware has; flags start cleared */
		pin->active_low = false;
		pin->edge = EDGE_NONE;
		log_line("export %d", number);
	} else {
		if (!pin->exported)
			return -EINVAL;
		pin->exported = false; /* an output keeps driving its level, as in gpiod_free */
		pin->active_low = false;
		pin->edge = EDGE_NONE;
		log_line("unexport %d", number);
	}
	return (int)size;
}

static int sim_write(const char *path, const char *buf, size_t size, off_t offset, struct fuse_file_info *fi)
{
	(void)path; (void)offset;
	struct open_file *file = (struct open_file *)(uintptr_t)fi->fh;
	struct node *node = &file->node;
	int value;
	if (node->number >= 0 && node->kind != N_SIM_PIN && !pins[node->number].exported)
		return -ENODEV;
	struct pin *pin = node->number >= 0 ? &pins[node->number] : NULL;
	if (node->kind != N_SIM_PIN && node->number >= 0 && failing(node->number, node->kind)) {
		log_line("failed %s %d", node->kind == N_DIRECTION ? "direction" : node->kind == N_VALUE ? "value"
					: node->kind == N_EDGE ? "edge" : "active_low", node->number);
		return -EIO;
	}
	switch (node->kind) {
	case N_EXPORT: return write_export(buf, size, true);
	case N_UNEXPORT: return write_export(buf, size, false);
	case N_DIRECTION:
		if (streq(buf, size, "in")) {
			pin->out = false;
			log_line("direction %d in", node->number);
		} else if (streq(buf, size, "out") || streq(buf, size, "low") || streq(buf, size, "high")) {
			if (pin->edge != EDGE_NONE)
				return -EIO; /* used as an interrupt: gpiod_direction_output refuses */
			bool high = streq(buf, size, "out") ? pin->active_low /* "out" starts logically low */
							      : streq(buf, size, "high"); /* raw, whatever active_low says */
			log_line("direction %d %s", node->number, streq(buf, size, "out") ? "out" : high ? "high" : "low");
			drive(node->number, true, high);
		} else {
			return -EINVAL;
		}
		return (int)size;
	case N_VALUE:
		if (!pin->out)
			return -EPERM;
		if (!parse_int(buf, size, &value))
			return -EINVAL;
		log_line("value %d %d", node->number, value != 0);
		drive(node->number, true, (value != 0) != pin->active_low);
		return (int)size;
	case N_EDGE:
		for (int e = EDGE_NONE; e <= EDGE_BOTH; e++) {
			if (streq(buf, size, EDGE_NAMES[e])) {
				if (e != EDGE_NONE && pin->out)
					return -EIO;
				pin->edge = (enum edge)e;
				log_line("edge %d %s", node->number, EDGE_NAMES[e]);
				return (int)size;
			}
		}
		return -EINVAL;
	case N_ACTIVE_LOW:
		if (!parse_int(buf, size, &value))
			return -EINVAL;
		pin->active_low = value != 0;
		log_line("active_low %d %d", node->number, pin->active_low);
		return (int)size;
	case N_SIM_FAIL: {
		char text[64], attribute[32];
		int number;
		if (streq(buf, size, "clear")) {
			failure_count = 0;
			return (int)size;
		}
		if (size >= sizeof text || failure_count == MAX_FAILURES)
			return -EINVAL;
		memcpy(text, buf, size);
		text[size] = '\0';
		if (sscanf(text, "%d %31s", &number, attribute) != 2 || number < 0 || number >= pin_limit)
			return -EINVAL;
		enum node_kind kind = strcmp(attribute, "direction") == 0 ? N_DIRECTION
				    : strcmp(attribute, "value") == 0	 ? N_VALUE
				    : strcmp(attribute, "edge") == 0	 ? N_EDGE
				    : strcmp(attribute, "active_low") == 0 ? N_ACTIVE_LOW
									 : N_NONE;
		if (kind == N_NONE)
			return -EINVAL;
		failures[failure_count].number = number;
		failures[failure_count].kind = kind;
		failure_count++;
		return (int)size;
	}
	case N_SIM_PIN:
		if (!parse_int(buf, size, &value) || (value != 0 && value != 1))
			return -EINVAL;
		set_world_level(node->number, value == 1);
		return (int)size;
	default:
		return -EACCES;
	}
}

static int sim_poll(const char *path, struct fuse_file_info *fi, struct fuse_pollhandle *ph, unsigned *reventsp)
{
	(void)path;
	struct open_file *file = (struct open_file *)(uintptr_t)fi->fh;
	*reventsp = DEFAULT_POLLMASK;
	if (file->node.kind != N_VALUE) {
		if (ph)
			fuse_pollhandle_destroy(ph);
		return 0;
	}
	if (ph) {
		if (file->ph)
			fuse_pollhandle_destroy(file->ph);
		file->ph = ph;
	}
	if (!pins[file->node.number].exported || file->seen != pins[file->node.number].event)
		*reventsp |= POLLERR | POLLPRI; /* kernfs_generic_poll */
	return 0;
}

static void *sim_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	(void)conn;
	/* No caching anywhere: gpioN appears at export and is gone at unexport, at once. */
	cfg->entry_timeout = 0;
	cfg->attr_timeout = 0;
	cfg->negative_timeout = 0;
	cfg->direct_io = 1;
	cfg->kernel_cache = 0;
	printf("ready\n");
	fflush(stdout);
	return NULL;
}

static const struct fuse_operations operations = {
	.init = sim_init,
	.getattr = sim_getattr,
	.readdir = sim_readdir,
	.open = sim_open,
	.create = sim_create,
	.release = sim_release,
	.truncate = sim_truncate,
	.read = sim_read,
	.write = sim_write,
	.poll = sim_poll,
};

static int usage(const char *program)
{
	fprintf(stderr, "usage: %s --chip NAME,LABEL,BASE,NGPIO [--chip ...] MOUNTPOINT\n", program);
	return 2;
}

int main(int argc, char *argv[])
{
	const char *mountpoint = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--chip") == 0 && i + 1 < argc) {
			struct chip *chip = &chips[chip_count];
			if (chip_count == MAX_CHIPS ||
			    sscanf(argv[++i], "%31[^,],%63[^,],%d,%d", chip->name, chip->label, &chip->base, &chip->ngpio) != 4 ||
			    strncmp(chip->name, "gpiochip", 8) != 0 || chip->base < 0 || chip->ngpio <= 0 || chip->base + chip->ngpio > 65536) {
				fprintf(stderr, "sysfs-gpio-sim: bad --chip %s\n", argv[i]);
				return 2;
			}
			if (chip->base + chip->ngpio > pin_limit)
				pin_limit = chip->base + chip->ngpio;
			chip_count++;
		} else if (argv[i][0] != '-' && !mountpoint) {
			mountpoint = argv[i];
		} else {
			return usage(argv[0]);
		}
	}
	if (!mountpoint || chip_count == 0)
		return usage(argv[0]);
	pins = calloc((size_t)pin_limit, sizeof *pins);
	if (!pins)
		return 1;

	/* Foreground, one thread (no locks), unmounted by fusermount3 even if we are killed. */
	char *fuse_argv[] = { argv[0], "-f", "-s", "-o", "fsname=sysfs-gpio-sim,subtype=sysfs-gpio-sim,auto_unmount", (char *)mountpoint, NULL };
	return fuse_main(6, fuse_argv, &operations, NULL);
}
