# User programs. xv6-src/Makefile includes this file and defines CC, CFLAGS,
# LD, LDFLAGS and OBJCOPY; every path here is relative to xv6-src/.
#
# To add a program: write user/foo.c with main(), add user/_foo to UPROGS.
# mkfs strips the directory and the leading "_", so it appears as /foo.

ULIB = user/ulib.o user/usys.o user/printf.o user/umalloc.o

UPROGS = \
	user/_init\
	user/_sh\
	user/_cat\
	user/_echo\
	user/_grep\
	user/_kill\
	user/_ln\
	user/_ls\
	user/_mkdir\
	user/_rm\
	user/_wc\
	user/_zombie\
	user/_forktest\
	user/_stressfs\
	user/_usertests\
	user/_socktest\
	user/_sockettests\
	user/_bench\
	user/_fputest\

# Programs that show a planted mistake's damage (make RACE=..., README.md);
# the Makefile adds them to UPROGS only in RACE builds.
RACEPROGS = user/_racepipe user/_racesock user/_racemem

UCLEAN = user/*.o user/*.d user/_* user/*.asm user/*.sym \
	user/initcode user/initcode.out

user/%.o: user/%.c
	$(CC) $(CFLAGS) -I include -I user -c -o $@ $<

user/%.o: user/%.S
	$(CC) $(CFLAGS) -I include -I user -c -o $@ $<

# One loadable segment at address 0, entry main (see user.ld). -S leaves the
# debug information out: with it usertests would exceed MAXFILE and the
# programs would fill half of the 1000-block disk.
user/_%: user/%.o $(ULIB) user/user.ld user/user.mk
	$(LD) $(LDFLAGS) --no-warn-rwx-segments -S -N -T user/user.ld -o $@ $< $(ULIB)

# forktest must not pull in printf and malloc: it is meant to stay tiny.
user/_forktest: user/forktest.o $(ULIB) user/user.ld user/user.mk
	$(LD) $(LDFLAGS) --no-warn-rwx-segments -S -N -T user/user.ld -o $@ $< user/ulib.o user/usys.o

# The first process, as a raw binary the kernel links in with
# "-b binary user/initcode": symbols _binary_user_initcode_start and
# _binary_user_initcode_size. Its entry is its first byte.
user/initcode: user/initcode.S
	$(CC) $(CFLAGS) -nostdinc -I include -c -o user/initcode.o user/initcode.S
	$(LD) $(LDFLAGS) --no-warn-rwx-segments -N -e start -Ttext 0 -o user/initcode.out user/initcode.o
	$(OBJCOPY) -S -O binary user/initcode.out user/initcode

.PRECIOUS: user/%.o

-include user/*.d
