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
