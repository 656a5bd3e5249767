package main

import "sync"

// streamWriter turns writes into gRPC stream messages (RunPlugin, InstallDependencies). exec.Cmd
// copies a child's stdout and stderr in two goroutines, and a gRPC stream must not be sent on from
// two goroutines at once, so every writer of one stream shares one mutex.
type streamWriter struct {
	mu   *sync.Mutex
	send func([]byte) error
}

func (w streamWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	// The message may be marshalled after Write returns; the caller may reuse p.
	if err := w.send(append([]byte(nil), p...)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// streamWriters returns the stdout and stderr writers of one stream.
func streamWriters(sendStdout, sendStderr func([]byte) error) (streamWriter, streamWriter) {
	mu := &sync.Mutex{}
	return streamWriter{mu, sendStdout}, streamWriter{mu, sendStderr}
}
