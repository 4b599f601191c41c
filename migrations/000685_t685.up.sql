CREATE TABLE t685 (id bigint PRIMARY KEY, name text NOT NULL);
