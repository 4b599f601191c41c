CREATE TABLE t278 (id bigint PRIMARY KEY, name text NOT NULL);
