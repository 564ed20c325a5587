#!/bin/bash
# Fake jujuc: one script linked under every hook-tool name. Like Juju's client it sends the context
# id, its own name, the cwd and the arguments to the agent socket and relays the answer; stdin is
# sent only when the server asks for it (`--file -`).
#
# Request: NUL-terminated fields "jujuc1", context id, tool, cwd, stdin file ("" = none), argc, args.
# Answer: "stdin\n" (call again with stdin), or "<code> <stderr bytes> <stdout bytes> <binary>\n",
# the stderr bytes, then the stdout bytes. Only builtins are used on the common path; `cat` runs
# only for large or binary stdout and to capture stdin.

export LC_ALL=C
tool=${0##*/}

fail() {
  printf 'ERROR %s\n' "$1" >&2
  exit 1
}

[[ -n ${JUJU_CONTEXT_ID-} ]] || fail "JUJU_CONTEXT_ID not set"
[[ -n ${JUJU_AGENT_SOCKET_ADDRESS-} ]] || fail "JUJU_AGENT_SOCKET_ADDRESS not set"
[[ ${JUJU_AGENT_SOCKET_NETWORK-} == tcp ]] ||
  fail "unsupported agent socket network \"${JUJU_AGENT_SOCKET_NETWORK-}\""
addr=$JUJU_AGENT_SOCKET_ADDRESS
host=${addr%:*}
port=${addr##*:}

# Sends the request on fd 3 and reads the header into code/errlen/outlen/binary.
request() {
  local stdin_file=$1
  shift
  { exec 3<>"/dev/tcp/$host/$port"; } 2>/dev/null ||
    fail "cannot connect to the agent socket $addr"
  printf '%s\0' jujuc1 "$JUJU_CONTEXT_ID" "$tool" "$PWD" "$stdin_file" "$#" "$@" >&3
  IFS=' ' read -r code errlen outlen binary <&3 || fail "no answer from the agent socket $addr"
}

request "" "$@"
if [[ $code == stdin ]]; then
  exec 3<&-
  umask 077
  set -C
  stdin_file=${TMPDIR:-/tmp}/.jujuc-stdin.$$.$RANDOM$RANDOM
  # The server reads and deletes this file; a file keeps NUL bytes that bash variables cannot.
  cat >"$stdin_file" || fail "cannot read stdin"
  request "$stdin_file" "$@"
fi
[[ $code =~ ^[0-9]+$ ]] || fail "bad answer from the agent socket: $code"

if ((errlen > 0)); then
  IFS= read -r -N "$errlen" err <&3
  printf '%s' "$err" >&2
fi
if ((outlen > 0)); then
  if ((binary == 0 && outlen <= 65536)); then
    IFS= read -r -N "$outlen" out <&3
    printf '%s' "$out"
  else
    cat <&3
  fi
fi
exit "$code"
