# calconn %postun ($1: 0 = erase, 1 = upgrade): let systemd forget the removed unit. The state in
# /var/lib/calconn and the calconn user stay (RPM has no purge); remove them by hand if wanted.
if [ -d /run/systemd/system ]; then
    systemctl daemon-reload || :
fi
