# calconn %post ($1: 1 = first install, 2 or more = upgrade): create the calconn user and
# directories, enable calconnd on first install (without starting it: it needs a configuration
# first), restart it on upgrade if it runs. Written out instead of the %systemd_* macros so the
# CPack-generated spec does not depend on them.
systemd-sysusers calconn.conf
systemd-tmpfiles --create calconn.conf
if [ -d /run/systemd/system ]; then
    systemctl daemon-reload || :
fi
if [ "$1" -eq 1 ]; then
    systemctl enable calconnd.service || :
    echo "calconn: edit /etc/calconn/calconnd.yaml, check it with" \
         "'calconnd --check-config', then run 'systemctl start calconnd'."
elif [ -d /run/systemd/system ]; then
    systemctl try-restart calconnd.service ||
        echo "calconn: restarting calconnd failed; see 'journalctl -u calconnd'" >&2
fi
