CREATE TABLE t549 (id bigint PRIMARY KEY, name text NOT NULL);
