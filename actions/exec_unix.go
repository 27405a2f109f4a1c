//go:build unix

package actions

import (
	"errors"
	"os"
	"os/exec"
	"syscall"
)

// useProcessGroup starts cmd as the leader of a new process group and makes
// context cancellation kill the whole group, so that children the program
// started die with it.
func useProcessGroup(cmd *exec.Cmd) error {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		err := syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		if errors.Is(err, syscall.ESRCH) {
			return os.ErrProcessDone
		}
		return err
	}
	return nil
}

// killGroup kills whatever is left of cmd's process group after the program
// exited, such as a child it started in the background, so no process
// outlives its step.
func killGroup(cmd *exec.Cmd) {
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
}
