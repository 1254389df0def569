/* A kernel-shaped handful of structs, for the btf fuzz target's seed corpus:
 * the members bpfbin's tools look up, with the anonymous unions, typedefs,
 * qualifiers, pointers, arrays and bitfields real vmlinux BTF has.
 * make-seeds.sh turns it into BTF (gcc -g, then pahole -J). */
typedef int pid_t;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef unsigned short umode_t;

struct qstr {
	union {
		struct {
			u32 hash;
			u32 len;
		};
		u64 hash_len;
	};
	const unsigned char *name;
};

struct vfsmount {
	struct dentry *mnt_root;
	void *mnt_sb;
	int mnt_flags;
};

struct path {
	struct vfsmount *mnt;
	struct dentry *dentry;
};

struct dentry {
	unsigned int d_flags;
	struct dentry *d_parent;
	union {
		struct qstr d_name;
		long __d_name_pad[3];
	};
	unsigned char d_iname[32];
};

struct fs_struct {
	int users;
	volatile int seq;
	struct path root, pwd;
};

struct mount {
	struct mount *mnt_parent;
	struct dentry *mnt_mountpoint;
	struct vfsmount mnt;
	const struct mount *const mnt_master;
};

struct task_struct {
	volatile long __state;
	unsigned int flags;
	pid_t pid;
	pid_t tgid;
	struct task_struct *real_parent;
	struct fs_struct *fs;
	char comm[16];
	int exit_code;
	u64 start_time;
	unsigned sched_reset_on_fork:1;
	unsigned sched_contributes_to_load:1;
	unsigned long atomic_flags;
};

struct sock_common {
	union {
		u64 skc_addrpair;
		struct {
			u32 skc_daddr;
			u32 skc_rcv_saddr;
		};
	};
	union {
		struct {
			unsigned short skc_dport;
			unsigned short skc_num;
		};
	};
	unsigned short skc_family;
};

struct sock {
	struct sock_common __sk_common;
	int sk_rcvbuf;
};

struct sk_buff {
	unsigned int len, data_len;
	unsigned char cloned:1, nohdr:1, fclone:2, peeked:1;
	unsigned char pkt_type:3, ignore_df:1, ip_summed:2, ooo_okay:1;
	unsigned long long wide:40, straddle:20;
	umode_t mode;
};

struct task_struct task;
struct mount mount;
struct sock sock;
struct sk_buff skb;
