CREATE TABLE t998 (id bigint PRIMARY KEY, name text NOT NULL);
