CREATE TABLE t270 (id bigint PRIMARY KEY, name text NOT NULL);
