package sandbox

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime/debug"
	"strconv"
	"syscall"
)

// startInGroup makes cmd start as the leader of a new process group that
// is killed whole when cmd's context ends. The child also gets SIGKILL
// when the parent dies, so a crashed daemon leaves no script running.
func startInGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error {
		err := syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		if errors.Is(err, syscall.ESRCH) {
			return os.ErrProcessDone
		}
		return err
	}
}

// threadHeadroom is address space beyond the memory limit for threads
// that the runtime starts after the limit is set. In a binary linked with
// cgo, each thread maps a stack of RLIMIT_STACK size (8 MiB by default).
// A child with GOMAXPROCS 2 had eight threads in all when measured.
const threadHeadroom = 64 << 20

// limitMemory caps the address space this process may add from now on,
// with RLIMIT_AS set to the current size plus limit plus threadHeadroom.
// The limit must be relative, because a Go process has reserved much
// address space that it has not touched by then. Measured with go1.26 on
// linux/amd64: 1.2 GB for a small program, 5.7 GB for policycortex. An
// absolute limit of a few hundred MiB fails the first allocation.
//
// RLIMIT_DATA does not hold: the runtime reserves heap address space
// without write access and then maps it writable in place, which the
// kernel does not count against RLIMIT_DATA (measured: 566 MB of data
// under a 300 MB limit). The soft limit of debug.SetMemoryLimit makes the
// collector free garbage before the hard limit is reached.
func limitMemory(limit uint64) error {
	size, err := addressSpaceSize()
	if err != nil {
		return err
	}
	hard := size + limit + threadHeadroom
	if err := syscall.Setrlimit(syscall.RLIMIT_AS, &syscall.Rlimit{Cur: hard, Max: hard}); err != nil {
		return fmt.Errorf("set RLIMIT_AS to %d bytes: %w", hard, err)
	}
	debug.SetMemoryLimit(int64(min(limit, 1<<62)))
	return nil
}

// addressSpaceSize returns this process's virtual memory size in bytes,
// the first field of /proc/self/statm, in pages.
func addressSpaceSize() (uint64, error) {
	statm, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0, err
	}
	fields := bytes.Fields(statm)
	if len(fields) == 0 {
		return 0, fmt.Errorf("parse /proc/self/statm %q: no fields", statm)
	}
	pages, err := strconv.ParseUint(string(fields[0]), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("parse /proc/self/statm %q: %w", statm, err)
	}
	return pages * uint64(os.Getpagesize()), nil
}

// closeInheritedFiles closes every descriptor above stderr that lacks
// close-on-exec. Go opens every descriptor of its own with close-on-exec,
// and exec closes those of the parent, so a descriptor without the flag
// was leaked by the parent through exec and this process must not use it.
func closeInheritedFiles() error {
	dir, err := syscall.Open("/proc/self/fd", syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open /proc/self/fd: %w", err)
	}
	fds, err := readDescriptors(dir)
	syscall.Close(dir)
	if err != nil {
		return err
	}
	for _, fd := range fds {
		if fd <= 2 {
			continue
		}
		flags, err := fcntl(fd, syscall.F_GETFD)
		if err != nil || flags&syscall.FD_CLOEXEC != 0 {
			continue
		}
		if err := syscall.Close(fd); err != nil {
			return fmt.Errorf("close descriptor %d: %w", fd, err)
		}
	}
	return nil
}

// readDescriptors lists the numeric entries of the open directory dir.
func readDescriptors(dir int) ([]int, error) {
	var fds []int
	buf := make([]byte, 4096)
	for {
		n, err := syscall.ReadDirent(dir, buf)
		if err != nil {
			return nil, fmt.Errorf("read /proc/self/fd: %w", err)
		}
		if n <= 0 {
			return fds, nil
		}
		var names []string
		_, _, names = syscall.ParseDirent(buf[:n], -1, names)
		for _, name := range names {
			if fd, err := strconv.Atoi(name); err == nil {
				fds = append(fds, fd)
			}
		}
	}
}

func fcntl(fd, cmd int) (int, error) {
	r, _, errno := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), uintptr(cmd), 0)
	if errno != 0 {
		return 0, errno
	}
	return int(r), nil
}
