CREATE TABLE t186 (id bigint PRIMARY KEY, name text NOT NULL);
