CREATE TABLE t593 (id bigint PRIMARY KEY, name text NOT NULL);
