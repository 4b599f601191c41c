CREATE TABLE t144 (id bigint PRIMARY KEY, name text NOT NULL);
