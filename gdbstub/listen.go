package gdbstub

import (
	"fmt"
	"net"
	"strconv"
	"strings"
)

// ParseAddr turns a qemu -gdb device ("tcp::1234", "tcp:HOST:1234", "tcp:1234" or "1234")
// into a host:port to listen on. An empty host means the loopback address, not every
// interface: a debugger port can read and write all guest memory.
func ParseAddr(spec string) (string, error) {
	rest := strings.TrimPrefix(spec, "tcp:")
	host, port := "", rest
	if i := strings.LastIndexByte(rest, ':'); i >= 0 {
		host, port = rest[:i], rest[i+1:]
	}
	if strings.Contains(port, ",") { // qemu options such as ",server,nowait" carry no meaning here
		port = port[:strings.IndexByte(port, ',')]
	}
	p, err := strconv.ParseUint(port, 10, 16)
	if err != nil || p == 0 {
		return "", fmt.Errorf("gdbstub: bad -gdb device %q (want tcp::PORT or tcp:HOST:PORT)", spec)
	}
	if host == "" {
		host = "127.0.0.1"
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	return net.JoinHostPort(host, strconv.FormatUint(p, 10)), nil
}

// Listen opens the TCP listener for a qemu -gdb device string.
func Listen(spec string) (net.Listener, error) {
	addr, err := ParseAddr(spec)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("gdbstub: listen on %s: %w", addr, err)
	}
	return ln, nil
}
