"""An account file written by sacm-lab (name = value lines), as a dict:
what the Python test clients (interop.py, hostile.py) log in with."""


def read_conf(path):
    conf = {}
    for line in open(path):
        line = line.split("#", 1)[0].strip()
        if "=" in line:
            k, v = line.split("=", 1)
            conf[k.strip()] = v.strip()
    return conf
