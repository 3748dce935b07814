# Sourced by the local-stack wrappers (moto.sh, tansu.sh) as `source port-args.sh "$@"`: reads an
# optional leading `--port N` and the `--` before the command, and sets `port` (a free loopback
# port when none was given) and `command` (the command to run, as an array).
port=""
if [[ ${1:-} == --port ]]; then
  port=$2
  shift 2
fi
[[ ${1:-} == -- ]] && shift
if [[ -z $port ]]; then
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
fi
# shellcheck disable=SC2034 # read by the script that sources this one
command=("$@")
