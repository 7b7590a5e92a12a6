# Shared set-up for the bench scripts (sourced, not run): install what is missing, build Sluice.
#
#   bench_install CMD:PACKAGE …   apt-get installs PACKAGE for every CMD not on PATH
#                                 (CMD may be "python3-module:NAME" to check `import NAME`)
#   bench_build                   Release build; sets SLUICE to the built executable

bench_install() {
    local need=() spec cmd pkg
    for spec in "$@"; do
        cmd=${spec%%:*}
        pkg=${spec#*:}
        if [[ $cmd == python3-module=* ]]; then
            /usr/bin/python3 -c "import ${cmd#python3-module=}" >/dev/null 2>&1 || need+=("$pkg")
        else
            command -v "$cmd" >/dev/null 2>&1 || need+=("$pkg")
        fi
    done
    if ((${#need[@]})); then
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${need[@]}"
    fi
}

bench_build() {
    dotnet build -c Release src/Sluice.Cli -v quiet -nologo >/dev/null
    SLUICE="$PWD/src/Sluice.Cli/bin/Release/net10.0/sluice"
}
