# calconn %preun ($1: 0 = erase, 1 = upgrade): stop and disable calconnd when it is erased; an
# upgrade restarts it in %post.
if [ "$1" -eq 0 ]; then
    if [ -d /run/systemd/system ]; then
        systemctl stop calconnd.service || :
    fi
    systemctl disable calconnd.service || :
fi
