CREATE TABLE t690 (id bigint PRIMARY KEY, name text NOT NULL);
