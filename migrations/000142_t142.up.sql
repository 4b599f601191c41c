CREATE TABLE t142 (id bigint PRIMARY KEY, name text NOT NULL);
