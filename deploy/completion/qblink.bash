# bash completion for qblink: commands, subcommands and options are read from `qblink ... --help`
# (so they are always the program's own); user names from `qblink user list --json`.
# Use: source deploy/completion/qblink.bash, or install it as
# /usr/share/bash-completion/completions/qblink. QBLINK=path/to/qblink overrides the program.

_qblink_help() { "${QBLINK:-qblink}" "$@" --help 2>/dev/null; }
_qblink_subcommands() {
  _qblink_help "$@" | awk '/^Subcommands:/ { s = 1; next } /^[^ ]/ { s = 0 } s && /^  [a-z]/ { print $1 }'
}
_qblink_options() {
  _qblink_help "$@" | grep -oE '(^|[ ,])--?[A-Za-z][-A-Za-z0-9]*' | tr -d ' ,' | sort -u
}
_qblink_users() {
  local db=() i
  for ((i = 1; i < ${#COMP_WORDS[@]} - 1; i++)); do
    [[ ${COMP_WORDS[i]} == --db || ${COMP_WORDS[i]} == --config ]] &&
      db+=("${COMP_WORDS[i]}" "${COMP_WORDS[i + 1]}")
  done
  "${QBLINK:-qblink}" "${db[@]}" user list --json 2>/dev/null |
    sed -n 's/^ *"user": "\(.*\)",\{0,1\}$/\1/p'
}

_qblink() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
  local -a path=()
  local i w n=0 subs
  COMPREPLY=()
  case $prev in
    --db | --config | --company | --company-file | --tls-cert | --tls-key | --xsd-dir)
      mapfile -t COMPREPLY < <(compgen -f -- "$cur"); return ;;
    --kind) mapfile -t COMPREPLY < <(compgen -W "customer supplier" -- "$cur"); return ;;
    --level) mapfile -t COMPREPLY < <(compgen -W "info warn error" -- "$cur"); return ;;
    --encoding)
      mapfile -t COMPREPLY < <(compgen -W "auto utf-8 utf-16 utf-16le utf-16be cp1252" -- "$cur")
      return ;;
    --delimiter)
      mapfile -t COMPREPLY < <(compgen -W "auto comma semicolon tab" -- "$cur"); return ;;
  esac
  # The command path so far (user remove, customers import, ...) and positionals after it.
  for ((i = 1; i < COMP_CWORD; i++)); do
    w=${COMP_WORDS[i]}
    if [[ $w == -* ]]; then
      [[ $w == --db || $w == --config || $w == --run || $w == --limit || $w == --page || $w == --kind ||
        $w == --map || $w == --url || $w == --since ]] && ((i++))
      continue
    fi
    subs=$(_qblink_subcommands "${path[@]}")
    if ((n == 0)) && [[ $'\n'$subs$'\n' == *$'\n'$w$'\n'* ]]; then
      path+=("$w")
    else
      ((n++))
    fi
  done
  if [[ $cur == -* ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$(_qblink_options "${path[@]}")" -- "$cur")
    return
  fi
  subs=$(_qblink_subcommands "${path[@]}")
  if ((n == 0)) && [[ -n $subs ]]; then
    # `review` takes a USER as well as subcommands.
    [[ ${path[*]} == review ]] && subs+=$'\n'$(_qblink_users)
    mapfile -t COMPREPLY < <(compgen -W "$subs" -- "$cur")
    return
  fi
  ((${#path[@]} == 0)) && return
  case "${path[*]}:$n" in
    "user add:0" | "simulate:"* | "serve:"* | "demo:"*) ;;
    *:0) mapfile -t COMPREPLY < <(compgen -W "$(_qblink_users)" -- "$cur") ;;
    "review accept:1" | "review reject:1")
      mapfile -t COMPREPLY < <(compgen -W "customer supplier" -- "$cur") ;;
    *" import:1" | "review apply:1") mapfile -t COMPREPLY < <(compgen -f -- "$cur") ;;
  esac
}
complete -o default -F _qblink qblink
