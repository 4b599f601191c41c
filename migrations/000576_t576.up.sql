CREATE TABLE t576 (id bigint PRIMARY KEY, name text NOT NULL);
