CREATE TABLE t640 (id bigint PRIMARY KEY, name text NOT NULL);
